"""Pure rules of referrals: what order amount qualifies, the inviter's local day, a report's period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def amount_qualifies(amount: int, *, minimum: int) -> bool:
    """An order qualifies a referral when money was really paid (and kept) for it, at least the tenant's
    `earn_min_order_amount`: an order paid wholly by coupons and points proves nothing."""
    return amount > 0 and amount >= minimum


def local_day(instant: datetime, *, timezone: str) -> date:
    """The tenant's calendar day at `instant`: the inviter's daily cap counts these."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def period_bounds(start: date | datetime | None, end: date | datetime | None, *,
                  timezone: str) -> tuple[datetime | None, datetime | None]:
    """A report's period as [from, to) instants. A date means the tenant's whole local day (so `to` is
    inclusive: from=2024-05-01&to=2024-05-31 is May); a date-time without an offset is local time."""
    zone = ZoneInfo(timezone)

    def instant(value: date | datetime | None, *, after_day: bool) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=zone)
        day = value + timedelta(days=1) if after_day else value
        return datetime.combine(day, time.min, tzinfo=zone)

    return instant(start, after_day=False), instant(end, after_day=True)
