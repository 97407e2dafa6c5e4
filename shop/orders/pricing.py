"""The one pricing function: lines, unit prices, a coupon, a voucher and points -> a breakdown per line.

Pure and exact (integers and fractions, no floats). A chain of discounts, each over what the one before
left: the coupon's discount is shared over the lines in its scope in proportion to their subtotals; the
voucher takes up to its face value off what is left, shared over every line in proportion to what is left
of it; the points deduction (at most `max_points_ratio` of what is left after both) likewise, so no line
total goes negative. Every share is split by largest remainder, so the lines always sum to the order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from core.money import allocate
from loyalty.checkout import (
    CouponNotApplicable,
    CouponTerms,
    InsufficientPoints,
    PointsLimitExceeded,
    PointsTerms,
    VoucherNotApplicable,
    VoucherTerms,
)
from loyalty.coupons.rules import coupon_discount


@dataclass(frozen=True)
class LineInput:
    sku_id: str
    product_id: str
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class PricedLine:
    sku_id: str
    product_id: str
    quantity: int
    unit_price: int
    subtotal: int
    discount: int  # this line's share of the coupon
    voucher_deduction: int  # this line's share of the voucher
    points_deduction: int  # this line's share of the points deduction, minor units
    points_used: int  # this line's share of the points spent
    total: int  # what is paid for the line


@dataclass(frozen=True)
class Quote:
    lines: tuple[PricedLine, ...]
    subtotal: int
    discount_total: int
    voucher_deduction: int
    points_used: int
    points_deduction: int
    total: int
    coupon_id: str | None
    voucher_code: str | None = None
    voucher_id: str | None = None


def price(lines: list[LineInput], *, coupon: CouponTerms | None = None, voucher: VoucherTerms | None = None,
          points: int = 0, points_terms: PointsTerms | None = None) -> Quote:
    """Price an order. Raises CouponNotApplicable, VoucherNotApplicable, InsufficientPoints or
    PointsLimitExceeded."""
    subtotals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(subtotals)
    discounts = _coupon_shares(lines, subtotals, coupon) if coupon else [0] * len(lines)
    after_coupon = [line_subtotal - discount for line_subtotal, discount in zip(subtotals, discounts, strict=True)]
    # A voucher is worth its face value at most; what it would take beyond the order is lost, not kept.
    voucher_total = min(voucher.face_value, sum(after_coupon)) if voucher else 0
    if voucher and voucher_total == 0:
        raise VoucherNotApplicable("Nothing is left to pay for with this voucher")
    voucher_shares = allocate(voucher_total, after_coupon)
    after_voucher = [left - share for left, share in zip(after_coupon, voucher_shares, strict=True)]
    deduction = _points_deduction(points, points_terms, payable=sum(after_voucher)) if points else 0
    deductions = allocate(deduction, after_voucher)
    points_shares = allocate(points, deductions) if deduction else [0] * len(lines)
    priced = tuple(
        PricedLine(sku_id=line.sku_id, product_id=line.product_id, quantity=line.quantity,
                   unit_price=line.unit_price, subtotal=line_subtotal, discount=discount,
                   voucher_deduction=voucher_share, points_deduction=line_deduction, points_used=line_points,
                   total=line_subtotal - discount - voucher_share - line_deduction)
        for line, line_subtotal, discount, voucher_share, line_deduction, line_points
        in zip(lines, subtotals, discounts, voucher_shares, deductions, points_shares, strict=True)
    )
    return Quote(lines=priced, subtotal=subtotal, discount_total=sum(discounts), voucher_deduction=voucher_total,
                 points_used=points, points_deduction=deduction, total=sum(line.total for line in priced),
                 coupon_id=coupon.coupon_id if coupon else None, voucher_code=voucher.code if voucher else None,
                 voucher_id=voucher.voucher_id if voucher else None)


def _coupon_shares(lines: list[LineInput], subtotals: list[int], coupon: CouponTerms) -> list[int]:
    in_scope = [coupon.product_ids is None or line.product_id in coupon.product_ids for line in lines]
    weights = [line_subtotal if scoped else 0 for line_subtotal, scoped in zip(subtotals, in_scope, strict=True)]
    discount = coupon_discount(kind=coupon.kind, eligible_subtotal=sum(weights), amount_off=coupon.amount_off,
                               percent_off=coupon.percent_off, max_discount=coupon.max_discount,
                               min_spend=coupon.min_spend)
    if discount == 0:
        # Nothing in scope, or the minimum spend is not met: locking the coupon would buy nothing.
        raise CouponNotApplicable("This coupon gives no discount on this order")
    return allocate(discount, weights)


def points_limit(payable: int, max_points_ratio) -> int:
    """The largest points deduction (minor units) an order of `payable` after its coupon and voucher allows."""
    return math.floor(Fraction(str(max_points_ratio)) * payable)


def _points_deduction(points: int, terms: PointsTerms | None, *, payable: int) -> int:
    if terms is None:
        raise ValueError("points were asked for without the customer's points terms")
    if points > terms.balance:
        raise InsufficientPoints(f"{points} points asked for, {terms.balance} available")
    deduction = points * terms.point_value
    limit = points_limit(payable, terms.max_points_ratio)
    if deduction > limit:
        raise PointsLimitExceeded(f"At most {limit // terms.point_value} points may be used on this order")
    return deduction
