"""Coupons: templates, issuing within limits, and each coupon's life through checkout."""

from loyalty.coupons.service.coupons import (
    expire_lapsed,
    list_coupons,
    lock_for_order,
    release_from_order,
    usable_coupon,
    use_for_order,
    void,
)
from loyalty.coupons.service.issuing import claim, grant, issue
from loyalty.coupons.service.templates import (
    create_template,
    get_template,
    list_claimable_templates,
    list_templates,
)

__all__ = [
    "claim", "create_template", "expire_lapsed", "get_template", "grant", "issue", "list_claimable_templates",
    "list_coupons", "list_templates", "lock_for_order", "release_from_order", "usable_coupon", "use_for_order",
    "void",
]
