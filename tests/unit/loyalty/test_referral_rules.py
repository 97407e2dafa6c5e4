from datetime import UTC, date, datetime

from loyalty.referrals.rules import amount_qualifies, local_day


def test_only_money_paid_and_at_least_the_minimum_qualifies():
    assert amount_qualifies(1, minimum=0)
    assert not amount_qualifies(0, minimum=0)
    assert amount_qualifies(5000, minimum=5000)
    assert not amount_qualifies(4999, minimum=5000)


def test_the_local_day_is_the_tenants():
    instant = datetime(2024, 5, 1, 16, 30, tzinfo=UTC)

    assert local_day(instant, timezone="Asia/Shanghai") == date(2024, 5, 2)
    assert local_day(instant, timezone="America/New_York") == date(2024, 5, 1)
