from datetime import timedelta

from core import clock
from core.db import unit_of_work
from core.events import OrderPaid
from core.tenancy import tenant_scope
from loyalty.points import service as points
from tests.api.loyalty.orders import deliver_again, paid_order, refund
from tests.api.loyalty.points import entries_of, points_of
from tests.api.shop.conftest import of_order


def test_a_paid_order_credits_floor_of_paid_major_units_times_the_rate(tenant):
    tenant.settings({"loyalty": {"points_per_currency_unit": 3}})
    shopper = tenant.consumer()

    paid_order(tenant, shopper, amount=12_345)  # 123.45 yuan x 3 = 370.35

    assert points_of(shopper) == {"balance": 370, "pending": 0, "held": 0, "debt": 0, "expiring_soon": []}
    assert entries_of(shopper) == [("earn", 370)]


def test_an_order_below_the_minimum_earns_nothing(tenant):
    tenant.settings({"loyalty": {"earn_min_order_amount": 10_000}})
    shopper = tenant.consumer()

    paid_order(tenant, shopper, amount=9_999)

    assert points_of(shopper)["balance"] == 0
    assert entries_of(shopper) == []


def test_earned_points_stay_pending_for_the_configured_days(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 7}})
    shopper = tenant.consumer()

    paid_order(tenant, shopper, amount=5_000)

    assert (points_of(shopper)["balance"], points_of(shopper)["pending"]) == (0, 50)
    with clock.travel(timedelta(days=7, seconds=1)):
        assert (points_of(shopper)["balance"], points_of(shopper)["pending"]) == (50, 0)


def test_earned_points_expire_at_the_end_of_the_local_month(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "month_end"}}})
    shopper = tenant.consumer()

    paid_order(tenant, shopper, amount=5_000)

    entry = shopper.get("/v1/storefront/points/entries", expect=200).get_json()["data"][0]
    expires_at = entry["expires_at"]
    assert expires_at.endswith("T16:00:00+00:00")  # midnight in Shanghai (UTC+8)
    with clock.travel(timedelta(days=32)):
        assert points_of(shopper)["balance"] == 0


def test_a_second_delivery_of_the_same_payment_credits_nothing_more(tenant, published):
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, amount=5_000)

    deliver_again(tenant, *of_order(published, order["id"], OrderPaid))

    assert entries_of(shopper) == [("earn", 50)]


def test_entries_are_paginated_newest_first(tenant):
    shopper = tenant.consumer()
    for amount in (100, 200, 300):
        paid_order(tenant, shopper, amount=amount)

    first = shopper.get("/v1/storefront/points/entries", query={"limit": 2}, expect=200).get_json()
    rest = shopper.get("/v1/storefront/points/entries",
                       query={"limit": 2, "starting_after": first["data"][-1]["id"]}, expect=200).get_json()

    assert [e["points"] for e in first["data"]] == [3, 2] and first["has_more"] is True
    assert [e["points"] for e in rest["data"]] == [1] and rest["has_more"] is False


def test_expiring_soon_shows_the_next_thirty_days_soonest_first(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 10}}})
    shopper = tenant.consumer()
    paid_order(tenant, shopper, amount=1_000)
    with clock.travel(timedelta(days=2)):
        paid_order(tenant, shopper, amount=2_000)
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 100}}})
    paid_order(tenant, shopper, amount=4_000)

    soon = points_of(shopper)["expiring_soon"]

    assert [item["points"] for item in soon] == [10, 20]
    assert soon[0]["expires_at"] < soon[1]["expires_at"]


def test_a_customer_sees_only_her_own_points(tenant):
    alice, bob = tenant.consumer(), tenant.consumer()

    paid_order(tenant, alice, amount=5_000)

    assert points_of(bob)["balance"] == 0
    assert entries_of(bob) == []


def test_a_batch_of_paid_orders_credits_each_once_and_pays_debts_first(tenant):
    alice, bob = tenant.consumer(), tenant.consumer()
    already = paid_order(tenant, alice, amount=1_000)
    bobs_order = paid_order(tenant, bob, amount=1_500)
    tenant.settings({"loyalty": {"max_points_ratio": "1"}})  # an order paid with points alone
    paid_order(tenant, bob, amount=0, points=15)
    refund(tenant, bobs_order, amount=1_500)
    assert points_of(bob)["debt"] == 15

    with unit_of_work() as session, tenant_scope(tenant.id):
        credited = points.earn_for_orders(session, [
            points.PaidOrder(alice.customer_id, already["id"], 1_000, "CNY"),
            points.PaidOrder(alice.customer_id, "ord_second", 2_000, "CNY"),
            points.PaidOrder(bob.customer_id, "ord_third", 4_000, "CNY"),
            points.PaidOrder(bob.customer_id, "ord_small", 50, "CNY"),
        ])

    assert [entry.points if entry else None for entry in credited] == [None, 20, 40, None]
    assert points_of(alice)["balance"] == 30
    assert (points_of(bob)["balance"], points_of(bob)["debt"]) == (25, 0)
