"""Pure group-buy rules: a campaign's status from its window, and how a group ends at its deadline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction


def campaign_status(*, starts_at: datetime, ends_at: datetime, ended_at: datetime | None, now: datetime) -> str:
    """`scheduled` before its window, `active` within it, `ended` after it or once the merchant ended it."""
    if ended_at is not None or now >= ends_at:
        return "ended"
    return "scheduled" if now < starts_at else "active"


def outcome_at_deadline(*, status: str, paid_count: int, group_size: int, threshold: Decimal | None) -> str:
    """How a group still open at its deadline (or its campaign's end) ends: `succeeded` if every seat is paid,
    `virtual_fill` if it formed and `paid_count / group_size` reaches the threshold, else `failed`.

    A group whose leader never paid (`pending`) never formed and fails whatever the threshold; so does one
    with nobody paid (a threshold of 0 fills a group, not an empty one).
    """
    if status == "forming" and paid_count >= group_size:
        return "succeeded"
    if status != "forming" or paid_count == 0 or threshold is None:
        return "failed"
    return "virtual_fill" if Fraction(paid_count, group_size) >= Fraction(threshold) else "failed"
