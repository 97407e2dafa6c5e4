"""Points through checkout: held with the pending order, spent when paid, back when cancelled."""

from datetime import timedelta

from core import clock
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty import checkout as loyalty
from tests.api.loyalty.orders import cancel, checkout, paid_order, pay, refused
from tests.api.loyalty.points import entries_of, give_points, points_of


def test_checkout_terms_carry_the_spendable_balance_and_the_tenants_rules(tenant):
    tenant.settings({"loyalty": {"point_value": 5, "max_points_ratio": "0.3"}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 120)

    with unit_of_work() as session, tenant_scope(tenant.id):
        terms = loyalty.points_for_checkout(session, customer_id=shopper.customer_id)

    assert (terms.balance, terms.point_value, str(terms.max_points_ratio)) == (120, 5, "0.3")


def test_held_points_leave_the_balance_and_are_spent_when_the_order_is_paid(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)

    order = checkout(tenant, shopper, points=60)
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (40, 60)

    pay(tenant, order)
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (50, 0)  # 40 left + 10 earned
    assert entries_of(shopper) == [("adjustment", 100), ("spend", -60), ("earn", 10)]


def test_a_cancelled_unpaid_order_gives_its_points_back_with_their_expiry(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 5}}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    order = checkout(tenant, shopper, points=100)

    cancel(shopper, order)

    summary = points_of(shopper)
    assert (summary["balance"], summary["held"]) == (100, 0)
    assert [item["points"] for item in summary["expiring_soon"]] == [100]  # still the original lot's expiry
    assert entries_of(shopper)[-1] == ("release", 100)


def test_a_second_cancellation_gives_nothing_more_back(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    order = checkout(tenant, shopper, points=70)
    cancel(shopper, order)

    cancel(shopper, order, expect=409)

    assert points_of(shopper)["balance"] == 100


def test_holding_more_than_the_spendable_balance_is_refused_and_holds_nothing(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 3}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 50)
    paid_order(tenant, shopper, amount=10_000)  # 100 points, pending

    assert refused(tenant, shopper, points=51) == "insufficient_points"

    assert points_of(shopper) | {"expiring_soon": None} == {
        "balance": 50, "pending": 100, "held": 0, "debt": 0, "expiring_soon": None}


def test_spending_draws_the_soonest_expiring_points_first(tenant):
    shopper = tenant.consumer()
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 60}}})
    give_points(tenant, shopper, 100)
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 10}}})
    give_points(tenant, shopper, 100)

    checkout(tenant, shopper, points=150)

    with clock.travel(timedelta(days=20)):
        assert points_of(shopper)["balance"] == 50  # the 10-day lot went first, the 60-day one is left
