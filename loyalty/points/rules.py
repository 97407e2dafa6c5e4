"""Pure points rules: what an order earns, when points expire, what a refund reverses, sign-in rewards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from core.money import round_half_up

EXPIRING_SOON = timedelta(days=30)


def points_earned(paid: int, *, minor_per_major: int, per_unit: int, minimum: int) -> int:
    """Points an order earns: floor(paid major units x points per unit), once the paid amount reaches the minimum."""
    if paid <= 0 or paid < minimum:
        return 0
    return paid * per_unit // minor_per_major


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def expiry_for(available_at: datetime, *, mode: str, days: int | None, timezone: str) -> datetime | None:
    """When points that become available at `available_at` expire, at a local midnight of the tenant.

    `days`: at the end of the N-th local day after they become available; `month_end` / `year_end`: at
    the end of that local month / year; `never`: None.
    """
    if mode == "never":
        return None
    zone = ZoneInfo(timezone)
    local = available_at.astimezone(zone).date()
    if mode == "days":
        return _local_midnight(local + timedelta(days=days + 1), zone)
    if mode == "month_end":
        first_of_next = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        return _local_midnight(first_of_next, zone)
    if mode == "year_end":
        return _local_midnight(date(local.year + 1, 1, 1), zone)
    raise ValueError(f"unknown points expiry mode {mode!r}")


def reversal_due(*, earned: int, paid_amount: int, refunded_total: int, reversed_so_far: int) -> int:
    """Earned points a refund takes back: the refunded share of the earning (half-up), less what earlier
    refunds of the order already took. Cumulative, so every refund together never takes more than earned."""
    if earned <= 0 or paid_amount <= 0:
        return 0
    share = min(Fraction(refunded_total, paid_amount), Fraction(1))
    return max(0, round_half_up(earned * share) - reversed_so_far)


def points_to_return(points_returned: int, *, spent: int, returned_so_far: int, fully_refunded: bool) -> int:
    """Points of an order's deduction a refund gives back: what the shop says, never more than is left,
    and everything left once the order is fully refunded."""
    left = max(0, spent - returned_so_far)
    return left if fully_refunded else max(0, min(points_returned, left))


def sign_in_points(streak: int, table: list[int]) -> int:
    """Points for day `streak` of a sign-in streak; the table's last value repeats."""
    return table[min(streak, len(table)) - 1]
