"""Lifecycle stages and RFM over HTTP, driven by real orders: paid and refunded through the admin API,
time moved for the daily refresh."""

from datetime import datetime, timedelta

from core import clock
from tests.api.loyalty.segments.shop import Shop, customer, refresh, stage_of


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_new_customer_is_a_prospect_since_registration_with_no_scores(tenant):
    shopper = tenant.consumer()

    body = customer(tenant, shopper.customer_id)

    assert body["stage"] == "prospect"
    assert body["stage_since"] == body["created_at"]
    assert body["rfm"] == {"recency_days": None, "frequency": 0, "monetary": 0, "r": None, "f": None, "m": None}


def test_payments_and_refunds_move_the_stage_at_once(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()

    first = shop.buy(shopper)
    assert stage_of(tenant, shopper) == "new"
    shop.buy(shopper)
    assert stage_of(tenant, shopper) == "active"
    shop.buy(shopper)
    assert stage_of(tenant, shopper) == "loyal"

    shop.refund(first)  # refunded in full: it no longer counts
    assert stage_of(tenant, shopper) == "active"
    body = customer(tenant, shopper.customer_id)
    assert body["rfm"]["frequency"] == 2
    assert body["rfm"]["monetary"] == 20_000
    assert body["rfm"]["recency_days"] == 0


def test_a_partial_refund_keeps_the_order_counting_net_of_the_refund(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()
    order = shop.buy(shopper)

    shop.refund(order, amount=2_500)

    body = customer(tenant, shopper.customer_id)
    assert body["stage"] == "new"
    assert body["rfm"]["monetary"] == 7_500


def test_refunding_the_only_order_makes_a_prospect_again_since_registration(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()
    order = shop.buy(shopper)

    shop.refund(order)

    body = customer(tenant, shopper.customer_id)
    assert (body["stage"], body["stage_since"]) == ("prospect", body["created_at"])


def test_the_refresh_notices_the_passage_of_time_dormant_then_churned(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()
    shop.buy(shopper)
    paid_at = at(customer(tenant, shopper.customer_id)["stage_since"])

    with clock.travel(timedelta(days=60, hours=1)):
        refresh(tenant)
        body = customer(tenant, shopper.customer_id)
    assert body["stage"] == "dormant"
    assert abs(at(body["stage_since"]) - (paid_at + timedelta(days=60))) < timedelta(seconds=5)
    assert body["rfm"]["recency_days"] == 60

    with clock.travel(timedelta(days=180, hours=1)):
        refresh(tenant)
        body = customer(tenant, shopper.customer_id)
    assert body["stage"] == "churned"
    assert abs(at(body["stage_since"]) - (paid_at + timedelta(days=180))) < timedelta(seconds=5)


def test_changing_the_lifecycle_settings_refreshes_every_stage(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()
    shop.buy(shopper)
    shop.buy(shopper)
    assert stage_of(tenant, shopper) == "active"

    tenant.settings({"lifecycle": {"loyal_orders": 2}})

    assert stage_of(tenant, shopper) == "loyal"


def test_lifecycle_settings_are_validated(tenant):
    response = tenant.admin.patch("/v1/admin/settings", {"lifecycle": {"dormant_days": 200}})

    assert response.status_code == 422
    assert "churned_days" in response.get_json()["errors"]["json"]["lifecycle"]
    assert tenant.admin.get("/v1/admin/settings").get_json()["lifecycle"] == {
        "dormant_days": 60, "churned_days": 180, "loyal_orders": 3, "loyal_window_days": 180}
    assert tenant.admin.get("/v1/admin/settings").get_json()["campaigns"] == {
        "max_grants_per_customer": 1, "cap_days": 7}
