"""Stripe configuration, provider failures and webhook verification, without a Stripe to talk to."""

import hashlib
import hmac
import json
import time

import pytest

from tests.api.shop.builders import create_product, place_order, sku_id, stock_of

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def signed(secret: str, event: dict) -> tuple[bytes, dict]:
    timestamp = int(time.time())
    payload = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def succeeded_event(tenant_id: str, order_id: str = "ord_unknown") -> dict:
    return {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {
        "id": "pi_unknown", "object": "payment_intent", "status": "succeeded", "amount": 100, "currency": "cny",
        "metadata": {"tenant_id": tenant_id, "order_id": order_id}}}}


def test_when_stripe_fails_at_checkout_the_order_is_cancelled_and_nothing_is_held(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", UNREACHABLE)
    tenant.settings({"payments": {"stripe_secret_key": "sk_test_unreachable"}})
    tea = create_product(tenant)
    shopper = tenant.consumer()

    failed = place_order(shopper, [(sku_id(tea), 3)], expect=502)

    assert failed["reason"] == "payment_provider_error"
    assert stock_of(tenant, tea) == 10
    [order] = tenant.admin.get("/v1/admin/orders", expect=200).get_json()["data"]
    assert (order["status"], order["cancel_reason"]) == ("cancelled", "payment_provider_error")


def test_a_retry_with_the_same_key_after_a_stripe_failure_checks_out_anew(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", UNREACHABLE)
    tenant.settings({"payments": {"stripe_secret_key": "sk_test_unreachable"}})
    tea = create_product(tenant)
    shopper = tenant.consumer()
    retry = {"Idempotency-Key": "checkout-after-502"}
    body = {"lines": [{"sku_id": sku_id(tea), "quantity": 3}]}

    first = shopper.post("/v1/storefront/orders", body, headers=retry, expect=502)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", None)
    tenant.settings({"payments": {"stripe_secret_key": None}})  # Stripe gone: the retry is paid offline
    second = shopper.post("/v1/storefront/orders", body, headers=retry, expect=201).get_json()

    assert first.get_json()["reason"] == "payment_provider_error"
    assert second["status"] == "pending_payment" and second["payment"]["provider"] == "offline"
    assert stock_of(tenant, tea) == 7


def test_the_environments_stripe_key_serves_tenants_without_their_own(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_environment")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", UNREACHABLE)
    tea = create_product(tenant)

    failed = place_order(tenant.consumer(), [(sku_id(tea), 1)], expect=502)

    assert failed["reason"] == "payment_provider_error"


def test_without_any_stripe_key_orders_are_paid_offline(tenant):
    tea = create_product(tenant)

    order = place_order(tenant.consumer(), [(sku_id(tea), 1)])

    assert order["payment"]["provider"] == "offline"


def test_an_order_with_nothing_to_charge_is_paid_at_once_without_calling_stripe(app, tenant, monkeypatch):
    tenant.settings({"payments": {"stripe_secret_key": "sk_test_unreachable"}})
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", UNREACHABLE)
    gift = create_product(tenant, skus=[{"price": 0, "stock": 5}])
    shopper = tenant.consumer()

    free = place_order(shopper, [(sku_id(gift), 1)])
    again = tenant.admin.post(f"/v1/admin/orders/{free['id']}/offline-payment", expect=409).get_json()

    assert (free["status"], free["payment"]["provider"], free["payment"]["status"]) == ("paid", "offline", "succeeded")
    assert free["paid_at"] is not None
    assert again["reason"] == "invalid_state"


def test_a_webhook_without_a_valid_signature_is_refused(client, tenant):
    tenant.settings({"payments": {"stripe_webhook_secret": "whsec_tenant"}})
    payload, headers = signed("whsec_someone_else", succeeded_event(tenant.id))

    forged = client.post("/v1/webhooks/stripe", data=payload, headers=headers)
    unsigned = client.post("/v1/webhooks/stripe", data=payload, headers={"Content-Type": "application/json"})
    garbage = client.post("/v1/webhooks/stripe", data=b"not json", headers={"Stripe-Signature": "t=1,v1=00"})

    assert [r.status_code for r in (forged, unsigned, garbage)] == [400, 400, 400]
    assert {r.get_json()["reason"] for r in (forged, unsigned, garbage)} == {"invalid_signature"}


def test_a_tenants_secret_vouches_only_for_its_own_events(client, tenant, other_tenant):
    tenant.settings({"payments": {"stripe_webhook_secret": "whsec_tenant"}})
    payload, headers = signed("whsec_tenant", succeeded_event(other_tenant.id))

    response = client.post("/v1/webhooks/stripe", data=payload, headers=headers)

    assert response.status_code == 400


def test_a_verified_event_about_an_unknown_payment_is_acknowledged(client, tenant):
    tenant.settings({"payments": {"stripe_webhook_secret": "whsec_tenant"}})
    payload, headers = signed("whsec_tenant", succeeded_event(tenant.id))

    response = client.post("/v1/webhooks/stripe", data=payload, headers=headers)

    assert (response.status_code, response.get_json()) == (200, {"received": True})


def test_the_environments_webhook_secret_verifies_events_of_any_tenant(app, client, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_environment")
    payload, headers = signed("whsec_environment", succeeded_event(tenant.id))

    ours = client.post("/v1/webhooks/stripe", data=payload, headers=headers)
    payload, headers = signed("whsec_environment", succeeded_event("ten_nobody"))
    nobodys = client.post("/v1/webhooks/stripe", data=payload, headers=headers)

    assert (ours.status_code, nobodys.status_code) == (200, 200)


def signed_bytes(secret: str, payload: bytes) -> dict:
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def intent_event(tenant_id: str, **changes) -> dict:
    event = succeeded_event(tenant_id)
    event["data"]["object"].update(changes)
    return event


MALFORMED = {
    "not_json": lambda tenant_id: b"{not json",
    "a_list": lambda tenant_id: b"[]",
    "no_type": lambda tenant_id: json.dumps({"id": "evt_1", "data": {"object": {}}}).encode(),
    "numeric_id": lambda tenant_id: json.dumps({**succeeded_event(tenant_id), "id": 42}).encode(),
    "object_not_a_dict": lambda tenant_id: json.dumps(
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}).encode(),
    "no_data": lambda tenant_id: json.dumps({"id": "evt_1", "type": "payment_intent.succeeded"}).encode(),
    "intent_without_amount": lambda tenant_id: json.dumps(intent_event(tenant_id, amount=None)).encode(),
    "amount_not_a_number": lambda tenant_id: json.dumps(intent_event(tenant_id, amount="lots")).encode(),
    "currency_not_a_string": lambda tenant_id: json.dumps(intent_event(tenant_id, currency=5)).encode(),
    "metadata_not_a_dict": lambda tenant_id: json.dumps(intent_event(tenant_id, metadata="x")).encode(),
    "intent_without_id": lambda tenant_id: json.dumps(intent_event(tenant_id, id=None)).encode(),
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_a_signed_but_malformed_event_is_a_400_not_a_500(app, client, tenant, monkeypatch, shape):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_environment")
    payload = MALFORMED[shape](tenant.id)

    response = client.post("/v1/webhooks/stripe", data=payload, headers=signed_bytes("whsec_environment", payload))

    assert (response.status_code, response.get_json()["reason"]) == (400, "invalid_event")


def test_a_malformed_event_signed_with_a_tenants_secret_is_a_400_too(client, tenant):
    tenant.settings({"payments": {"stripe_webhook_secret": "whsec_tenant"}})
    payload = json.dumps(intent_event(tenant.id, amount="lots")).encode()

    response = client.post("/v1/webhooks/stripe", data=payload, headers=signed_bytes("whsec_tenant", payload))

    assert (response.status_code, response.get_json()["reason"]) == (400, "invalid_event")


def test_a_consumer_may_confirm_her_own_offline_payment_only_where_the_tenant_allows_it(tenant):
    tea = create_product(tenant, skus=[{"price": 800, "stock": 10}])
    shopper = tenant.consumer()
    order = place_order(shopper, [(sku_id(tea), 1)])

    refused = shopper.post(f"/v1/storefront/orders/{order['id']}/offline-payment", expect=403).get_json()
    tenant.settings({"payments": {"offline_self_confirm": True}})
    paid = shopper.post(f"/v1/storefront/orders/{order['id']}/offline-payment", expect=200).get_json()

    assert refused["reason"] == "forbidden"
    assert paid["status"] == "paid"


def test_staff_with_an_admin_key_confirm_offline_payments_and_other_roles_may_not(tenant):
    tea = create_product(tenant, skus=[{"price": 800, "stock": 10}])
    order = place_order(tenant.consumer(), [(sku_id(tea), 1)])

    tenant.key("staff").post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=403)
    tenant.key("finance").post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=403)
    paid = tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200).get_json()

    assert (paid["status"], paid["payment"]["status"]) == ("paid", "succeeded")
    assert tenant.admin.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()["status"] == "paid"
