"""The coupon part of what checkout asks of loyalty; the facade (loyalty/checkout.py) offers it to the shop."""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyalty.coupons import service as coupons
from loyalty.terms import CouponTerms


def coupon_for_checkout(session: Session, *, customer_id: str, coupon_id: str) -> CouponTerms:
    """Terms of the customer's available coupon inside its window; else CouponNotApplicable."""
    template = coupons.usable_coupon(session, customer_id=customer_id, coupon_id=coupon_id).template
    return CouponTerms(
        coupon_id=coupon_id, kind=template.kind, amount_off=template.amount_off, percent_off=template.percent_off,
        max_discount=template.max_discount, min_spend=template.min_spend,
        product_ids=frozenset(template.product_ids) if template.product_ids is not None else None,
    )


def lock_for_order(session: Session, *, customer_id: str, coupon_id: str, order_id: str) -> None:
    """Lock the coupon for a pending order; CouponNotApplicable if another checkout locked it first."""
    coupons.lock_for_order(session, customer_id=customer_id, coupon_id=coupon_id, order_id=order_id)


# For the facade's statement that locks the coupon and holds the points at once (PostgreSQL only): the lock as
# a CTE named `coupon_locked`, and what to do to the session's copy of the coupon after it.
LOCK_FOR_ORDER_CTE = coupons.LOCK_FOR_ORDER_CTE
locked_in_session = coupons.locked_in_session
