from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import clock
from tests.api.loyalty.points import entries_of, points_of

SIGN_IN = "/v1/storefront/points/sign-in"


def test_signing_in_on_consecutive_days_grows_the_streak_and_the_last_reward_repeats(tenant):
    tenant.settings({"loyalty": {"sign_in_points": [1, 2, 5]}})
    shopper = tenant.consumer()

    rewards = []
    for day in range(5):
        with clock.travel(timedelta(days=day)):
            rewards.append(shopper.post(SIGN_IN, expect=201).get_json())

    assert [(r["points"], r["streak"]) for r in rewards] == [(1, 1), (2, 2), (5, 3), (5, 4), (5, 5)]
    with clock.travel(timedelta(days=4)):
        assert points_of(shopper)["balance"] == 18
    assert {kind for kind, _ in entries_of(shopper)} == {"sign_in"}


def test_signing_in_again_the_same_day_is_refused(tenant):
    shopper = tenant.consumer()
    shopper.post(SIGN_IN, expect=201)

    again = shopper.post(SIGN_IN, expect=409)

    assert again.get_json()["reason"] == "already_signed_in"
    assert points_of(shopper)["balance"] == 1


def test_a_missed_day_starts_the_streak_again(tenant):
    shopper = tenant.consumer()
    shopper.post(SIGN_IN, expect=201)
    with clock.travel(timedelta(days=1)):
        shopper.post(SIGN_IN, expect=201)

    with clock.travel(timedelta(days=3)):
        after_a_gap = shopper.post(SIGN_IN, expect=201).get_json()

    assert after_a_gap["streak"] == 1


def test_the_day_is_the_tenants_local_day(tenant):
    shopper = tenant.consumer()
    shanghai_now = clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    next_midnight = datetime.combine(shanghai_now.date() + timedelta(days=1), datetime.min.time(),
                                     ZoneInfo("Asia/Shanghai"))
    just_before = next_midnight - shanghai_now - timedelta(minutes=1)

    with clock.travel(just_before):
        before = shopper.post(SIGN_IN, expect=201).get_json()
    with clock.travel(just_before + timedelta(minutes=2)):  # 16:01 UTC: the same UTC day, the next local one
        after = shopper.post(SIGN_IN, expect=201).get_json()

    assert after["streak"] == before["streak"] + 1
    assert after["date"] == (next_midnight.date()).isoformat()


def test_only_a_consumer_signs_in(tenant):
    tenant.storefront.post(SIGN_IN, expect=403)
    tenant.admin.post(SIGN_IN, expect=403)
