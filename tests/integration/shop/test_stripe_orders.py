"""Stripe orders against localstripe, jobs run in-process: timeouts ask Stripe first, cancellations void intents."""

from datetime import timedelta

import pytest

from core import clock, jobs
from tests.api.shop.builders import admin_order, create_product, place_order, sku_id, stock_of

pytestmark = pytest.mark.integration


def stripe_order(tenant, shopper, quantity=1):
    product = create_product(tenant, skus=[{"price": 5000, "stock": 10}])
    return product, place_order(shopper, [(sku_id(product), quantity)])


def test_offline_payment_is_refused_for_a_stripe_order(stripe_tenant):
    shopper = stripe_tenant.consumer()
    _, order = stripe_order(stripe_tenant, shopper)

    refused = stripe_tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=409).get_json()

    assert refused["reason"] == "invalid_state"
    assert admin_order(stripe_tenant, order)["status"] == "pending_payment"


def test_an_unpaid_stripe_order_times_out_and_its_intent_is_voided(stripe_tenant, stripe_client):
    shopper = stripe_tenant.consumer()
    product, order = stripe_order(stripe_tenant, shopper, quantity=2)

    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=stripe_tenant.id)

    assert admin_order(stripe_tenant, order)["status"] == "cancelled"
    assert admin_order(stripe_tenant, order)["payment"]["status"] == "canceled"
    assert stripe_client.intent(order["payment"]["intent_id"])["status"] == "canceled"
    assert stock_of(stripe_tenant, product) == 10


def test_a_timed_out_order_that_stripe_says_was_paid_is_paid_not_cancelled(stripe_tenant, stripe_client):
    shopper = stripe_tenant.consumer()
    product, order = stripe_order(stripe_tenant, shopper)
    stripe_client.confirm(order["payment"]["intent_id"])  # no webhook is registered for this tenant's secret

    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=stripe_tenant.id)

    assert admin_order(stripe_tenant, order)["status"] == "paid"
    assert stock_of(stripe_tenant, product) == 9


def test_a_stripe_refund_is_issued_once_with_the_refund_id_as_idempotency_key(stripe_tenant, stripe_client):
    shopper = stripe_tenant.consumer()
    _, order = stripe_order(stripe_tenant, shopper, quantity=2)
    stripe_client.confirm(order["payment"]["intent_id"])
    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=stripe_tenant.id)

    refund = stripe_tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 3000},
                                      expect=201).get_json()
    with clock.travel(timedelta(minutes=40)):  # the safety-net submission finds nothing left to do
        jobs.run_due(tenant_id=stripe_tenant.id)

    assert refund["status"] == "succeeded"
    assert [r["amount"] for r in stripe_client.refunds_of(order["payment"]["intent_id"])] == [3000]
    assert admin_order(stripe_tenant, order)["refunded_total"] == 3000
