from datetime import timedelta

from core import clock
from tests.api.loyalty.orders import paid_order


def points_of(shopper):
    return shopper.get("/v1/storefront/points", expect=200).get_json()


def test_a_paid_order_credits_floor_of_paid_major_units_times_the_rate(tenant):
    tenant.settings({"loyalty": {"points_per_currency_unit": 3}})
    shopper = tenant.consumer()

    paid_order(tenant.id, shopper.customer_id, amount=12_345)  # 123.45 yuan x 3 = 370.35

    assert points_of(shopper) == {"balance": 370, "pending": 0, "held": 0, "debt": 0, "expiring_soon": []}
    entries = shopper.get("/v1/storefront/points/entries", expect=200).get_json()
    assert [(e["kind"], e["points"]) for e in entries["data"]] == [("earn", 370)]
    assert entries["has_more"] is False


def test_an_order_below_the_minimum_earns_nothing(tenant):
    tenant.settings({"loyalty": {"earn_min_order_amount": 10_000}})
    shopper = tenant.consumer()

    paid_order(tenant.id, shopper.customer_id, amount=9_999)

    assert points_of(shopper)["balance"] == 0
    assert shopper.get("/v1/storefront/points/entries", expect=200).get_json()["data"] == []


def test_earned_points_stay_pending_for_the_configured_days(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 7}})
    shopper = tenant.consumer()

    paid_order(tenant.id, shopper.customer_id, amount=5_000)

    assert (points_of(shopper)["balance"], points_of(shopper)["pending"]) == (0, 50)
    with clock.travel(timedelta(days=7, seconds=1)):
        assert (points_of(shopper)["balance"], points_of(shopper)["pending"]) == (50, 0)


def test_earned_points_expire_at_the_end_of_the_local_month(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "month_end"}}})
    shopper = tenant.consumer()

    paid_order(tenant.id, shopper.customer_id, amount=5_000)

    entry = shopper.get("/v1/storefront/points/entries", expect=200).get_json()["data"][0]
    expires_at = entry["expires_at"]
    assert expires_at.endswith("T16:00:00+00:00")  # midnight in Shanghai (UTC+8)
    with clock.travel(timedelta(days=32)):
        assert points_of(shopper)["balance"] == 0
