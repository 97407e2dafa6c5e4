"""Segments: lifecycle stages and RFM, tags, segments, campaigns, and the facts they are computed from."""

from loyalty.segments.service.campaigns import create_campaign, dry_run, get_campaign, launch, list_campaigns
from loyalty.segments.service.granting import grant_batch, watch_batch
from loyalty.segments.service.lifecycle import (
    customer_lifecycle,
    refresh_scores,
    refresh_stages,
    request_refresh,
)
from loyalty.segments.service.orders import (
    record_distributor_status,
    record_final,
    record_paid,
    record_refunded,
)
from loyalty.segments.service.refresh import refresh_tenant
from loyalty.segments.service.rules import rule_language
from loyalty.segments.service.segments import (
    create_segment,
    get_segment,
    list_segments,
    preview,
    preview_rule,
    update_segment,
)
from loyalty.segments.service.tags import (
    add_customers,
    create_tag,
    get_tag,
    list_tags,
    refresh_rule_tags,
    refresh_tag,
    remove_customer,
    tags_of,
)

__all__ = [
    "add_customers", "create_campaign", "create_segment", "create_tag", "customer_lifecycle", "dry_run",
    "get_campaign", "get_segment", "get_tag", "grant_batch", "launch", "list_campaigns", "list_segments",
    "list_tags", "preview", "preview_rule", "record_distributor_status", "record_final", "record_paid",
    "record_refunded",
    "refresh_rule_tags", "refresh_scores", "refresh_stages", "refresh_tag", "refresh_tenant", "remove_customer",
    "request_refresh", "rule_language", "tags_of", "update_segment", "watch_batch",
]
