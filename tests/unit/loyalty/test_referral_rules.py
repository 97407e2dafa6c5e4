from datetime import UTC, date, datetime, timedelta, timezone

from loyalty.referrals.rules import amount_qualifies, local_day, period_bounds


def test_only_money_paid_and_at_least_the_minimum_qualifies():
    assert amount_qualifies(1, minimum=0)
    assert not amount_qualifies(0, minimum=0)
    assert amount_qualifies(5000, minimum=5000)
    assert not amount_qualifies(4999, minimum=5000)


def test_the_local_day_is_the_tenants():
    instant = datetime(2024, 5, 1, 16, 30, tzinfo=UTC)

    assert local_day(instant, timezone="Asia/Shanghai") == date(2024, 5, 2)
    assert local_day(instant, timezone="America/New_York") == date(2024, 5, 1)


def test_dates_are_whole_local_days_and_the_end_date_is_inclusive():
    since, until = period_bounds(date(2024, 5, 1), date(2024, 5, 31), timezone="Asia/Shanghai")

    assert since == datetime(2024, 4, 30, 16, tzinfo=UTC)
    assert until == datetime(2024, 5, 31, 16, tzinfo=UTC)


def test_date_times_keep_their_offset_and_naive_ones_are_local():
    with_offset = datetime(2024, 5, 1, 9, tzinfo=timezone(timedelta(hours=-5)))

    since, until = period_bounds(with_offset, datetime(2024, 5, 2, 8), timezone="Asia/Shanghai")

    assert since == datetime(2024, 5, 1, 14, tzinfo=UTC)
    assert until == datetime(2024, 5, 2, 0, tzinfo=UTC)
    assert period_bounds(None, None, timezone="Asia/Shanghai") == (None, None)
