"""Coupons: templates, issuing within limits, and each coupon's life through checkout."""

from loyalty.coupons.service.coupons import (
    LOCK_FOR_ORDER_CTE,
    expire_lapsed,
    list_coupons,
    lock_for_order,
    locked_in_session,
    release_from_order,
    usable_coupon,
    use_for_order,
    void,
)
from loyalty.coupons.service.issuing import BatchIssue, claim, customers_at_limit, grant, issue, issue_many
from loyalty.coupons.service.templates import (
    create_template,
    get_template,
    list_claimable_templates,
    list_templates,
)

__all__ = [
    "LOCK_FOR_ORDER_CTE", "BatchIssue", "claim", "create_template", "customers_at_limit", "expire_lapsed",
    "get_template", "grant", "issue", "issue_many", "list_claimable_templates", "list_coupons", "list_templates",
    "lock_for_order", "locked_in_session", "release_from_order", "usable_coupon", "use_for_order", "void",
]
