"""Group-buy services: campaigns, seats taken at checkout, the outcomes of groups, and reading them."""

from shop.groupbuy.service.campaigns import (
    create_campaign,
    end_campaign,
    get_campaign,
    get_campaign_on_shelf,
    list_active_campaigns,
    list_campaigns,
    resolve_open_groups,
)
from shop.groupbuy.service.outcomes import fail, on_left, on_paid, resolve, succeed, unwind
from shop.groupbuy.service.reading import get_group, group_counts, list_groups
from shop.groupbuy.service.seats import take_seat, terms_for_order

__all__ = [
    "create_campaign",
    "end_campaign",
    "fail",
    "get_campaign",
    "get_campaign_on_shelf",
    "get_group",
    "group_counts",
    "list_active_campaigns",
    "list_campaigns",
    "list_groups",
    "on_left",
    "on_paid",
    "resolve",
    "resolve_open_groups",
    "succeed",
    "take_seat",
    "terms_for_order",
    "unwind",
]
