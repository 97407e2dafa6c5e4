"""What checkout asks of loyalty: the terms of a coupon and of points, and holding them for an order.

The shop prices orders with these terms (shop/orders/pricing.py); loyalty owns the state. What happens
after checkout arrives as events (core/events.py), subscribed in loyalty/wiring.py:
OrderPaid (locked coupon -> used, held points -> spent, points earned), OrderCancelled (coupon ->
available, held points returned), OrderRefunded (points deduction returned and earned points
reversed in proportion).

Contract between shop and loyalty — the loyalty capability implements the bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from core.errors import DomainError

# The voucher part of the contract lives with vouchers (it imports nothing from here, so no cycle).
from loyalty.vouchers.checkout import VoucherTerms, lock_voucher_for_order, voucher_for_checkout  # noqa: F401
from loyalty.vouchers.errors import VoucherNotApplicable  # noqa: F401


class CouponNotApplicable(DomainError):
    status, reason = 409, "coupon_not_applicable"
    message = "This coupon cannot be used on this order"


class InsufficientPoints(DomainError):
    status, reason = 409, "insufficient_points"
    message = "Not enough points"


class PointsLimitExceeded(DomainError):
    status, reason = 409, "points_limit_exceeded"
    message = "More points than this order allows"


@dataclass(frozen=True)
class CouponTerms:
    """An available coupon of this customer, as pricing needs it."""

    coupon_id: str
    kind: str  # "amount_off" | "percent_off"
    amount_off: int | None  # minor units
    percent_off: Decimal | None  # e.g. Decimal("15") for 15% off
    max_discount: int | None  # cap for percent_off, minor units
    min_spend: int  # minor units of in-scope subtotal needed
    product_ids: frozenset[str] | None  # None: every product is in scope


@dataclass(frozen=True)
class PointsTerms:
    balance: int  # points the customer may spend now
    point_value: int  # minor units one point is worth
    max_points_ratio: Decimal  # largest share of the order payable in points


def coupon_for_checkout(session: Session, *, customer_id: str, coupon_id: str) -> CouponTerms:
    """Terms of the customer's available, currently valid coupon; else CouponNotApplicable."""
    from loyalty.coupons.checkout import coupon_for_checkout as implementation

    return implementation(session, customer_id=customer_id, coupon_id=coupon_id)


def points_for_checkout(session: Session, *, customer_id: str) -> PointsTerms:
    """The customer's spendable points and the tenant's points rules."""
    from loyalty.points.checkout import points_for_checkout as implementation

    return implementation(session, customer_id=customer_id)


def hold_for_order(session: Session, *, customer_id: str, order_id: str, coupon_id: str | None,
                   points: int) -> None:
    """Lock the coupon (available -> locked) and hold the points for a pending order, guarded against
    races: raises CouponNotApplicable / InsufficientPoints if another checkout got there first."""
    if coupon_id:
        from loyalty.coupons.checkout import lock_for_order

        lock_for_order(session, customer_id=customer_id, coupon_id=coupon_id, order_id=order_id)
    if points:
        from loyalty.points.checkout import hold_for_order as hold_points

        hold_points(session, customer_id=customer_id, order_id=order_id, points=points)
