"""Group-buy's pure rules: a campaign's status from its window, and how a group ends at its deadline."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.groupbuy.rules import campaign_status, outcome_at_deadline

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(("starts", "ends", "ended", "expected"), [
    (1, 2, None, "scheduled"), (-1, 1, None, "active"), (0, 1, None, "active"), (-2, -1, None, "ended"),
    (-1, 0, None, "ended"), (-1, 1, -0.5, "ended"), (1, 2, -0.5, "ended"),
])
def test_a_campaigns_status_follows_its_window(starts, ends, ended, expected):
    def at(hours):
        return None if hours is None else NOW + timedelta(hours=hours)

    assert campaign_status(starts_at=at(starts), ends_at=at(ends), ended_at=at(ended), now=NOW) == expected


@pytest.mark.parametrize(("status", "paid", "size", "threshold", "expected"), [
    ("forming", 3, 3, None, "succeeded"),
    ("forming", 2, 3, None, "failed"),
    ("forming", 2, 4, Decimal("0.5"), "virtual_fill"),
    ("forming", 2, 4, Decimal("0.51"), "failed"),
    ("forming", 2, 3, Decimal("0.666666"), "virtual_fill"),  # 2/3 exactly, not a float's 0.6666...
    ("forming", 2, 3, Decimal("0.666667"), "failed"),
    ("forming", 1, 50, Decimal("0"), "virtual_fill"),
    ("forming", 0, 2, Decimal("0"), "failed"),  # nobody paid: nothing to fill
    ("pending", 0, 2, Decimal("0"), "failed"),  # the leader never paid
    ("forming", 1, 2, Decimal("1"), "failed"),
])
def test_a_group_at_its_deadline_succeeds_fills_virtually_or_fails(status, paid, size, threshold, expected):
    assert outcome_at_deadline(status=status, paid_count=paid, group_size=size, threshold=threshold) == expected
