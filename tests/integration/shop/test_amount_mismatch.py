"""A PaymentIntent that succeeds for another amount than its order's: refunded in full, the order released, the
reason recorded — never an order left pending with its stock held."""

import logging

import pytest
import requests

from tests.api.shop.builders import admin_order, create_product, place_order, sku_id, stock_of
from tests.integration.shop.conftest import STRIPE_TEST_KEY, signed_event

pytestmark = pytest.mark.integration


def paid_for_another_amount(localstripe, stripe_client, intent_id: str, amount: int) -> dict:
    """Someone changed the intent's amount at Stripe before the consumer paid it."""
    requests.post(f"{localstripe.url}/v1/payment_intents/{intent_id}", data={"amount": amount},
                  headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"}, timeout=10).raise_for_status()
    return stripe_client.confirm(intent_id)


def deliver(client, tenant, intent: dict):
    payload, signature = signed_event(tenant.webhook_secret, event_type="payment_intent.succeeded", intent=intent)
    response = client.post("/v1/webhooks/stripe", data=payload,
                           headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_intent_paid_for_another_amount_is_refunded_and_its_order_released(client, stripe_tenant, localstripe,
                                                                              stripe_client, caplog):
    product = create_product(stripe_tenant, skus=[{"price": 5000, "stock": 10}])
    order = place_order(stripe_tenant.consumer(), [(sku_id(product), 2)])
    intent_id = order["payment"]["intent_id"]
    paid = paid_for_another_amount(localstripe, stripe_client, intent_id, 100)
    assert (paid["status"], int(paid["amount"])) == ("succeeded", 100)

    deliver(client, stripe_tenant, paid)
    deliver(client, stripe_tenant, paid)  # told again (a new event id): nothing more happens

    current = admin_order(stripe_tenant, order)
    assert (current["status"], current["cancel_reason"]) == ("cancelled", "payment_amount_mismatch")
    assert current["payment"]["status"] == "canceled"
    assert "paid 100 CNY, but the order costs 10000 CNY" in current["payment"]["failure_message"]
    assert current["refunded_total"] == 0  # the order was never paid in our books
    assert stock_of(stripe_tenant, product) == 10
    refunds = stripe_tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()["data"]
    assert [(r["kind"], r["amount"], r["status"]) for r in refunds] == [("amount_mismatch", 100, "succeeded")]
    assert [r["amount"] for r in stripe_client.refunds_of(intent_id)] == [100]
    assert any(record.levelno == logging.ERROR and intent_id in record.getMessage() for record in caplog.records)
