from datetime import UTC, datetime

import pytest

from loyalty.points.rules import expiry_for, points_earned, points_to_return, reversal_due, sign_in_points


def test_points_are_the_floor_of_paid_major_units_times_the_rate():
    assert points_earned(12_345, minor_per_major=100, per_unit=1, minimum=0) == 123
    assert points_earned(150, minor_per_major=100, per_unit=3, minimum=0) == 4  # 1.5 x 3 = 4.5
    assert points_earned(1_500, minor_per_major=1, per_unit=2, minimum=0) == 3_000  # yen have no minor unit


def test_an_amount_below_the_minimum_earns_nothing():
    assert points_earned(9_999, minor_per_major=100, per_unit=1, minimum=10_000) == 0
    assert points_earned(10_000, minor_per_major=100, per_unit=1, minimum=10_000) == 100


def test_days_expiry_ends_at_local_midnight_after_the_nth_day():
    available = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # 02:30 on 2 March in Shanghai

    expires = expiry_for(available, mode="days", days=30, timezone="Asia/Shanghai")

    assert expires == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 April in Shanghai


def test_month_end_expiry_is_the_local_month_not_the_utc_one():
    available = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)  # already 1 February in Shanghai

    assert expiry_for(available, mode="month_end", days=None, timezone="Asia/Shanghai") == \
        datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert expiry_for(available, mode="month_end", days=None, timezone="UTC") == datetime(2026, 2, 1, tzinfo=UTC)


def test_december_rolls_into_the_next_year():
    available = datetime(2026, 12, 15, tzinfo=UTC)

    assert expiry_for(available, mode="month_end", days=None, timezone="UTC") == datetime(2027, 1, 1, tzinfo=UTC)
    assert expiry_for(available, mode="year_end", days=None, timezone="UTC") == datetime(2027, 1, 1, tzinfo=UTC)


def test_local_midnight_follows_daylight_saving_time():
    available = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    expires = expiry_for(available, mode="month_end", days=None, timezone="America/New_York")

    assert expires == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)  # EDT, UTC-4, on 1 April


def test_points_that_never_expire_have_no_expiry():
    assert expiry_for(datetime(2026, 1, 1, tzinfo=UTC), mode="never", days=None, timezone="UTC") is None


@pytest.mark.parametrize("refunds", [[30, 30, 40], [1, 1, 1, 97], [99, 1], [100]])
def test_partial_reversals_add_up_to_exactly_what_was_earned(refunds):
    reversed_so_far, refunded_total = 0, 0

    for amount in refunds:
        refunded_total += amount
        reversed_so_far += reversal_due(earned=37, paid_amount=100, refunded_total=refunded_total,
                                        reversed_so_far=reversed_so_far)

    assert reversed_so_far == 37


def test_a_reversal_is_the_refunded_share_rounded_half_up():
    assert reversal_due(earned=10, paid_amount=400, refunded_total=100, reversed_so_far=0) == 3  # 2.5 -> 3
    assert reversal_due(earned=10, paid_amount=400, refunded_total=100, reversed_so_far=3) == 0


def test_nothing_is_reversed_from_an_order_that_earned_nothing_or_paid_nothing():
    assert reversal_due(earned=0, paid_amount=100, refunded_total=100, reversed_so_far=0) == 0
    assert reversal_due(earned=10, paid_amount=0, refunded_total=0, reversed_so_far=0) == 0


def test_returned_points_never_exceed_what_is_left_and_a_full_refund_returns_everything():
    assert points_to_return(30, spent=100, returned_so_far=0, fully_refunded=False) == 30
    assert points_to_return(30, spent=100, returned_so_far=90, fully_refunded=False) == 10
    assert points_to_return(0, spent=100, returned_so_far=40, fully_refunded=True) == 60


def test_sign_in_points_follow_the_streak_and_the_last_value_repeats():
    table = [1, 1, 2, 5]

    assert [sign_in_points(streak, table) for streak in range(1, 8)] == [1, 1, 2, 5, 5, 5, 5]
