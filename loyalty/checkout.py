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

from core import clock
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
    if coupon_id and points and session.get_bind().dialect.name == "postgresql":
        _lock_coupon_and_hold_points(session, customer_id=customer_id, order_id=order_id, coupon_id=coupon_id,
                                     points=points)
        return
    if coupon_id:
        coupon_part.lock_for_order(session, customer_id=customer_id, coupon_id=coupon_id, order_id=order_id)
    if points:
        points_part.hold_for_order(session, customer_id=customer_id, order_id=order_id, points=points)


# PostgreSQL, a coupon and points: one statement where there were two, each capability's own SQL. The coupon's
# guarded update comes first and the points account is locked only if it moved (the gate is an InitPlan), so
# the lock order is the one checkout always had (coupon, then the points account, then lots) and a refused
# coupon is refused before the points are looked at. Built once, at import.
_LOCK_COUPON_THEN_HOLD = points_part.hold_statement(
    first=coupon_part.LOCK_FOR_ORDER_CTE, gate="EXISTS (SELECT FROM coupon_locked)",
    answer=", EXISTS (SELECT FROM coupon_locked) AS coupon_locked")


def _lock_coupon_and_hold_points(session: Session, *, customer_id: str, order_id: str, coupon_id: str,
                                 points: int) -> None:
    now = clock.now()
    held = points_part.hold_in_one_statement(session, _LOCK_COUPON_THEN_HOLD, customer_id=customer_id,
                                             order_id=order_id, points=points, coupon_id=coupon_id, now=now)
    if not held.coupon_locked:
        raise CouponNotApplicable()
    coupon_part.locked_in_session(session, coupon_id=coupon_id, order_id=order_id, locked_at=now)
    if not held.ok:  # nothing held (points short, or the account busy): the general path decides
        points_part.hold_by_wallet(session, customer_id=customer_id, order_id=order_id, points=points)
