"""Pure coupon rules, tested without a database."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from core.money import round_half_up


def coupon_discount(*, kind: str, eligible_subtotal: int, amount_off: int | None = None,
                    percent_off=None, max_discount: int | None = None, min_spend: int = 0) -> int:
    """The discount a coupon gives on the in-scope subtotal (0 when the minimum spend is not met).

    Never more than the in-scope subtotal; percent-off rounds half-up at the minor unit, then caps.
    """
    if eligible_subtotal <= 0 or eligible_subtotal < min_spend:
        return 0
    if kind == "amount_off":
        discount = amount_off or 0
    elif kind == "percent_off":
        discount = round_half_up(Fraction(eligible_subtotal) * Fraction(str(percent_off)) / 100)
        if max_discount is not None:
            discount = min(discount, max_discount)
    else:
        raise ValueError(f"unknown coupon kind {kind!r}")
    return max(0, min(discount, eligible_subtotal))


def validity(*, issued_at: datetime, valid_from: datetime | None, valid_until: datetime | None,
             valid_days: int | None) -> tuple[datetime | None, datetime | None]:
    """A new coupon's window: the template's fixed window, or `valid_days` from issue; open-ended if neither."""
    if valid_days is not None:
        return issued_at, issued_at + timedelta(days=valid_days)
    return valid_from, valid_until


def usable(*, now: datetime, valid_from: datetime | None, valid_until: datetime | None) -> bool:
    """Is `now` inside a coupon's window?"""
    return (valid_from is None or valid_from <= now) and (valid_until is None or now < valid_until)
