"""Whole journeys over real HTTP: our app served live, localstripe, its signed webhooks, and an RQ worker."""

from __future__ import annotations

import uuid

import pytest
import requests

from core import jobs
from core.db import unit_of_work
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


class Http:
    """A client of the live server with one credential."""

    def __init__(self, base: str, credential: str):
        self.base, self.credential = base, credential
        self.session = requests.Session()

    def call(self, method: str, path: str, body: dict | None = None, *, expect: int) -> dict:
        response = self.session.request(method, self.base + path, json=body, timeout=30,
                                        headers={"Authorization": f"Bearer {self.credential}"})
        assert response.status_code == expect, f"{method} {path} -> {response.status_code}: {response.text}"
        return response.json()

    def get(self, path: str, *, expect: int = 200) -> dict:
        return self.call("GET", path, expect=expect)

    def post(self, path: str, body: dict | None = None, *, expect: int) -> dict:
        return self.call("POST", path, body or {}, expect=expect)


def open_shop(live_server, tenant) -> tuple[Http, Http, dict]:
    """The merchant lists two products; a consumer logs in through the mini-program's publishable key."""
    admin = Http(live_server.url, tenant.admin_key)
    tea = admin.post("/v1/admin/products", {"title": "Da Hong Pao", "skus": [{"price": 16800, "stock": 5}]},
                     expect=201)
    cups = admin.post("/v1/admin/products", {"title": "Cups", "skus": [{"price": 2400, "stock": 5}]}, expect=201)
    admin.call("PATCH", "/v1/admin/settings", {"auth": {"dev_login_enabled": True}}, expect=200)
    login = Http(live_server.url, tenant.publishable_key).post(
        "/v1/storefront/sessions", {"provider": "dev", "openid": f"wx-{uuid.uuid4().hex[:8]}"}, expect=201)
    return admin, Http(live_server.url, login["token"]), {"tea": tea["skus"][0]["id"], "cups": cups["skus"][0]["id"]}


def status_of(shopper: Http, order: dict) -> str:
    return shopper.get(f"/v1/storefront/orders/{order['id']}")["status"]


def test_a_consumer_pays_by_stripe_the_merchant_ships_she_confirms_and_one_line_is_refunded(
        live_server, stripe_tenant, stripe_client, start_worker, localstripe):
    start_worker(STRIPE_API_BASE=localstripe.url)
    stripe_client.register_webhook(live_server.url + "/v1/webhooks/stripe", stripe_tenant.webhook_secret)
    admin, shopper, skus = open_shop(live_server, stripe_tenant)

    order = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": skus["tea"], "quantity": 2},
                                                             {"sku_id": skus["cups"], "quantity": 1}]}, expect=201)
    payment = order["payment"]
    assert (payment["provider"], order["total"]) == ("stripe", 36000)
    assert payment["intent_id"].startswith("pi_") and payment["client_secret"]
    assert stripe_client.intent(payment["intent_id"])["metadata"] == {"tenant_id": stripe_tenant.id,
                                                                      "order_id": order["id"]}

    assert stripe_client.confirm(payment["intent_id"])["status"] == "succeeded"
    assert wait_until(lambda: status_of(shopper, order) == "paid"), "the signed webhook never paid the order"

    admin.post(f"/v1/admin/orders/{order['id']}/ship", {"carrier": "SF Express", "tracking_number": "SF1"},
               expect=200)
    received = shopper.post(f"/v1/storefront/orders/{order['id']}/confirm-receipt", expect=200)
    assert received["status"] == "completed"

    cups_line = order["lines"][1]
    refund = admin.post(f"/v1/admin/orders/{order['id']}/refunds",
                        {"lines": [{"line_id": cups_line["id"], "quantity": 1}], "reason": "Chipped"}, expect=201)
    assert (refund["amount"], refund["status"]) == (2400, "succeeded")
    at_stripe = stripe_client.refunds_of(payment["intent_id"])
    assert [r["amount"] for r in at_stripe] == [2400]
    final = admin.get(f"/v1/admin/orders/{order['id']}")
    assert (final["status"], final["refunded_total"]) == ("partially_refunded", 2400)


def test_when_the_webhook_is_lost_the_recheck_job_pays_the_order(
        live_server, stripe_tenant, stripe_client, start_worker, localstripe):
    start_worker(STRIPE_API_BASE=localstripe.url)
    # Stripe's deliveries go somewhere that does not answer: the webhook is lost.
    stripe_client.register_webhook(live_server.url + "/v1/webhooks/lost", stripe_tenant.webhook_secret)
    _, shopper, skus = open_shop(live_server, stripe_tenant)
    order = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": skus["tea"], "quantity": 1}]}, expect=201)
    assert stripe_client.confirm(order["payment"]["intent_id"])["status"] == "succeeded"
    assert status_of(shopper, order) == "pending_payment"

    with unit_of_work() as session:  # the scheduler's per-minute run for this tenant, brought forward
        jobs.enqueue(session, "shop.recheck_pending_payments", key=f"recheck-now:{uuid.uuid4().hex}",
                     tenant_id=stripe_tenant.id)

    assert wait_until(lambda: status_of(shopper, order) == "paid"), "the re-check job never paid the order"


def test_a_declined_card_leaves_the_order_payable(live_server, stripe_tenant, stripe_client, localstripe):
    stripe_client.register_webhook(live_server.url + "/v1/webhooks/stripe", stripe_tenant.webhook_secret)
    admin, shopper, skus = open_shop(live_server, stripe_tenant)
    order = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": skus["tea"], "quantity": 1}]}, expect=201)

    stripe_client.confirm(order["payment"]["intent_id"], "pm_card_chargeCustomerFail")

    failure = wait_until(lambda: shopper.get(f"/v1/storefront/orders/{order['id']}")["payment"]["failure_message"])
    assert failure == "Your card was declined."
    assert status_of(shopper, order) == "pending_payment"
    assert admin.get(f"/v1/admin/products/{order['lines'][0]['product_id']}")["skus"][0]["stock"] == 4


def test_a_payment_that_lands_after_the_order_was_cancelled_is_refunded(
        live_server, stripe_tenant, stripe_client, start_worker, localstripe):
    stripe_client.register_webhook(live_server.url + "/v1/webhooks/stripe", stripe_tenant.webhook_secret)
    admin, shopper, skus = open_shop(live_server, stripe_tenant)
    order = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": skus["tea"], "quantity": 1}]}, expect=201)
    shopper.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=200)

    # The consumer's client confirms before the worker has voided the intent.
    assert stripe_client.confirm(order["payment"]["intent_id"])["status"] == "succeeded"
    assert wait_until(lambda: admin.get(f"/v1/admin/orders/{order['id']}/refunds")["data"])
    start_worker(STRIPE_API_BASE=localstripe.url)

    refunds = wait_until(lambda: [r for r in admin.get(f"/v1/admin/orders/{order['id']}/refunds")["data"]
                                  if r["status"] == "succeeded"])
    assert [(r["kind"], r["amount"]) for r in refunds] == [("paid_after_cancel", 16800)]
    assert [r["amount"] for r in stripe_client.refunds_of(order["payment"]["intent_id"])] == [16800]
    assert admin.get(f"/v1/admin/orders/{order['id']}")["status"] == "cancelled"
