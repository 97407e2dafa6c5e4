"""Races on PostgreSQL with real threads, each its own client and database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.events import OrderPaid
from core.tenancy import tenant_scope
from shop.orders.service import checkout
from tests.api.shop.builders import admin_order, create_product, paid_order, sku_id, stock_of
from tests.api.shop.conftest import of_order
from tests.integration.shop.conftest import signed_event

pytestmark = pytest.mark.integration


def race(app, requests: list[tuple[str, str, dict, dict]]) -> list:
    """Send every (credential, path, json, headers) at once, one thread and one test client each."""
    start = threading.Barrier(len(requests))

    def send(request):
        credential, path, body, headers = request
        client = app.test_client()
        start.wait()
        return client.post(path, json=body, headers={"Authorization": f"Bearer {credential}", **headers})

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def test_fifty_buyers_racing_for_the_last_five_units_get_exactly_five_orders(app, tenant):
    product = create_product(tenant, skus=[{"price": 990, "stock": 5}])
    buyers = [tenant.consumer() for _ in range(50)]
    body = {"lines": [{"sku_id": sku_id(product), "quantity": 1}]}

    responses = race(app, [(buyer.credential, "/v1/storefront/orders", body, {}) for buyer in buyers])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 5 + [409] * 45
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    assert stock_of(tenant, product) == 0
    orders = tenant.admin.get("/v1/admin/orders", query={"limit": 100}, expect=200).get_json()["data"]
    assert len(orders) == 5 and sum(order["lines"][0]["quantity"] for order in orders) == 5


def test_buyers_of_two_skus_in_opposite_orders_never_deadlock_or_oversell(app, tenant):
    first = create_product(tenant, skus=[{"price": 100, "stock": 10}])
    second = create_product(tenant, skus=[{"price": 100, "stock": 10}])
    buyers = [tenant.consumer() for _ in range(20)]
    forwards = {"lines": [{"sku_id": sku_id(first), "quantity": 1}, {"sku_id": sku_id(second), "quantity": 1}]}
    backwards = {"lines": list(reversed(forwards["lines"]))}

    responses = race(app, [(buyer.credential, "/v1/storefront/orders", forwards if i % 2 else backwards, {})
                           for i, buyer in enumerate(buyers)])

    assert sorted(response.status_code for response in responses) == [201] * 10 + [409] * 10
    assert (stock_of(tenant, first), stock_of(tenant, second)) == (0, 0)


def test_two_concurrent_refunds_cannot_exceed_what_was_paid(app, tenant):
    product = create_product(tenant, skus=[{"price": 1000, "stock": 100}])
    shopper = tenant.consumer()
    orders = [paid_order(tenant, shopper, [(sku_id(product), 1)]) for _ in range(5)]

    for order in orders:
        path = f"/v1/admin/orders/{order['id']}/refunds"
        responses = race(app, [(tenant.admin_key, path, {"amount": 600}, {}), (tenant.admin_key, path,
                                                                              {"amount": 600}, {})])

        assert sorted(response.status_code for response in responses) == [201, 409]
        assert admin_order(tenant, order)["refunded_total"] == 600


def test_two_concurrent_refunds_of_the_same_units_return_them_once(app, tenant):
    product = create_product(tenant, skus=[{"price": 1000, "stock": 10}])
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 2)])
    path = f"/v1/admin/orders/{order['id']}/refunds"
    body = {"lines": [{"line_id": order["lines"][0]["id"], "quantity": 2}]}

    responses = race(app, [(tenant.admin_key, path, body, {}) for _ in range(4)])

    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
    assert admin_order(tenant, order)["refunded_total"] == 2000
    assert stock_of(tenant, product) == 10


def test_the_same_webhook_delivered_at_once_pays_the_order_once(app, stripe_tenant, published):
    product = create_product(stripe_tenant, skus=[{"price": 4200, "stock": 3}])
    order = stripe_tenant.consumer().post("/v1/storefront/orders", {"lines": [{"sku_id": sku_id(product),
                                                                               "quantity": 1}]}, expect=201).get_json()
    intent = {"id": order["payment"]["intent_id"], "object": "payment_intent", "status": "succeeded", "amount": 4200,
              "currency": "cny", "metadata": {"tenant_id": stripe_tenant.id, "order_id": order["id"]}}
    payload, signature = signed_event(stripe_tenant.webhook_secret, event_type="payment_intent.succeeded",
                                      intent=intent)

    start = threading.Barrier(8)

    def deliver(_):
        client = app.test_client()
        start.wait()
        return client.post("/v1/webhooks/stripe", data=payload, headers={"Stripe-Signature": signature,
                                                                          "Content-Type": "application/json"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(deliver, range(8)))

    assert [response.status_code for response in responses] == [200] * 8
    assert len(of_order(published, order["id"], OrderPaid)) == 1
    assert admin_order(stripe_tenant, order)["status"] == "paid"


def test_different_reports_of_one_payment_at_once_still_pay_once(app, stripe_tenant, published):
    product = create_product(stripe_tenant, skus=[{"price": 4200, "stock": 3}])
    order = stripe_tenant.consumer().post("/v1/storefront/orders", {"lines": [{"sku_id": sku_id(product),
                                                                               "quantity": 1}]}, expect=201).get_json()
    intent = {"id": order["payment"]["intent_id"], "object": "payment_intent", "status": "succeeded", "amount": 4200,
              "currency": "cny", "metadata": {"tenant_id": stripe_tenant.id, "order_id": order["id"]}}
    deliveries = [signed_event(stripe_tenant.webhook_secret, event_type="payment_intent.succeeded", intent=intent)
                  for _ in range(6)]
    start = threading.Barrier(len(deliveries))

    def deliver(delivery):
        client = app.test_client()
        start.wait()
        return client.post("/v1/webhooks/stripe", data=delivery[0], headers={"Stripe-Signature": delivery[1]})

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        responses = list(pool.map(deliver, deliveries))

    assert [response.status_code for response in responses] == [200] * len(deliveries)
    assert len(of_order(published, order["id"], OrderPaid)) == 1


def test_two_checkouts_racing_for_one_coupon_place_one_order_and_hold_nothing_else(app, tenant):
    product = create_product(tenant, skus=[{"price": 1000, "stock": 10}])
    shopper = tenant.consumer()
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Once", "kind": "amount_off",
                                                                "amount_off": 100, "claimable": False},
                                 expect=201).get_json()
    tenant.admin.post(f"/v1/admin/coupon-templates/{template['id']}/grants", {"customer_ids": [shopper.customer_id]},
                      expect=201)
    [coupon] = shopper.get("/v1/storefront/coupons", expect=200).get_json()["data"]
    body = {"lines": [{"sku_id": sku_id(product), "quantity": 2}], "coupon_id": coupon["id"]}

    responses = race(app, [(shopper.credential, "/v1/storefront/orders", body, {}) for _ in range(4)])

    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"coupon_not_applicable"}
    assert stock_of(tenant, product) == 8


def test_two_retries_of_one_checkout_racing_past_an_expired_claim_place_one_order(app, tenant):
    # The idempotency claim is the first line of defence; once its lock has run out (a crashed first
    # attempt), two retries may both reach checkout. The order's natural key must still make it one order.
    product = create_product(tenant, skus=[{"price": 990, "stock": 10}])
    shopper = tenant.consumer()
    start = threading.Barrier(4)

    def retry():
        start.wait()
        with tenant_scope(tenant.id):
            return checkout.place_order(customer_id=shopper.customer_id, request_key="retried-key",
                                        lines=[{"sku_id": sku_id(product), "quantity": 1}]).id

    with ThreadPoolExecutor(max_workers=4) as pool:
        placed = set(pool.map(lambda _i: retry(), range(4)))

    assert len(placed) == 1
    assert stock_of(tenant, product) == 9
    assert [o["id"] for o in shopper.get("/v1/storefront/orders", expect=200).get_json()["data"]] == list(placed)
