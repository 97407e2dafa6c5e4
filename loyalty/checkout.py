"""What checkout asks of loyalty: the terms of a coupon and of points, and holding them for an order.

The one facade the shop imports. It sits above loyalty's capabilities and nothing in loyalty imports
it back: the errors and terms it re-exports live in leaf modules (loyalty/errors.py, loyalty/terms.py),
and each capability offers checkout its part in its own `checkout` module. import-linter keeps it so
(pyproject.toml, "loyalty: …" contracts).

The shop prices orders with these terms (shop/orders/pricing.py); loyalty owns the state. What happens
after checkout arrives as events (core/events.py), subscribed in loyalty/wiring.py:
OrderPaid (locked coupon -> used, held points -> spent, points earned), OrderCancelled (coupon ->
available, held points returned), OrderRefunded (points deduction returned and earned points
reversed in proportion).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyalty.coupons import checkout as coupon_part
from loyalty.errors import CouponNotApplicable, InsufficientPoints, PointsLimitExceeded
from loyalty.points import checkout as points_part
from loyalty.terms import CouponTerms, PointsTerms
from loyalty.vouchers.checkout import VoucherTerms, lock_voucher_for_order, voucher_for_checkout
from loyalty.vouchers.errors import VoucherNotApplicable

__all__ = [
    "CouponNotApplicable", "CouponTerms", "InsufficientPoints", "PointsLimitExceeded", "PointsTerms",
    "VoucherNotApplicable", "VoucherTerms", "coupon_for_checkout", "hold_for_order", "lock_voucher_for_order",
    "points_for_checkout", "voucher_for_checkout",
]


def coupon_for_checkout(session: Session, *, customer_id: str, coupon_id: str) -> CouponTerms:
    """Terms of the customer's available, currently valid coupon; else CouponNotApplicable."""
    return coupon_part.coupon_for_checkout(session, customer_id=customer_id, coupon_id=coupon_id)


def points_for_checkout(session: Session, *, customer_id: str) -> PointsTerms:
    """The customer's spendable points and the tenant's points rules."""
    return points_part.points_for_checkout(session, customer_id=customer_id)


def hold_for_order(session: Session, *, customer_id: str, order_id: str, coupon_id: str | None,
                   points: int) -> None:
    """Lock the coupon (available -> locked) and hold the points for a pending order, guarded against
    races: raises CouponNotApplicable / InsufficientPoints if another checkout got there first."""
    if coupon_id:
        coupon_part.lock_for_order(session, customer_id=customer_id, coupon_id=coupon_id, order_id=order_id)
    if points:
        points_part.hold_for_order(session, customer_id=customer_id, order_id=order_id, points=points)
