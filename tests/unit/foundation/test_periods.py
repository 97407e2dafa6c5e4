"""A report's period, the same everywhere: `from` inclusive, `to` exclusive, dates in the tenant's timezone."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from core.errors import InvalidRequest
from core.periods import period_bounds


def test_dates_are_the_start_of_the_tenants_local_day_at_both_ends():
    since, until = period_bounds(date(2025, 3, 1), date(2025, 4, 1), timezone="Asia/Shanghai")

    assert since == datetime(2025, 2, 28, 16, tzinfo=UTC) and until == datetime(2025, 3, 31, 16, tzinfo=UTC)


def test_date_times_keep_their_offset_or_are_local_without_one():
    with_offset = datetime(2025, 3, 1, 9, tzinfo=timezone(timedelta(hours=-5)))

    since, until = period_bounds(with_offset, datetime(2025, 3, 2, 8), timezone="Asia/Shanghai")

    assert since == with_offset
    assert until == datetime(2025, 3, 2, 0, tzinfo=UTC)
    assert period_bounds(None, None, timezone="UTC") == (None, None)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(InvalidRequest) as refused:
        period_bounds(date(2025, 3, 2), date(2025, 3, 2), timezone="UTC")

    assert refused.value.errors == {"query": {"to": ["Must be after from."]}}
