"""Pure rules of referrals: what order amount qualifies, the inviter's local day, a report's period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def amount_qualifies(amount: int, *, minimum: int) -> bool:
    """An order qualifies a referral when money was really paid (and kept) for it, at least the tenant's
    `earn_min_order_amount`: an order paid wholly by coupons and points proves nothing."""
    return amount > 0 and amount >= minimum


def local_day(instant: datetime, *, timezone: str) -> date:
    """The tenant's calendar day at `instant`: the inviter's daily cap counts these."""
    return instant.astimezone(ZoneInfo(timezone)).date()
