"""Shop integration fixtures: a tenant paid through localstripe, and helpers that act as Stripe's client side."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from tests.api.shop.conftest import published  # noqa: F401 - the event spy, shared with the API tests

STRIPE_TEST_KEY = "sk_test_12345"


@pytest.fixture
def stripe_api(app, localstripe):
    """Point the app's Stripe SDK calls at localstripe for this test."""
    saved = app.config["STRIPE_API_BASE"]
    app.config["STRIPE_API_BASE"] = localstripe.url
    yield localstripe
    app.config["STRIPE_API_BASE"] = saved


@pytest.fixture
def stripe_tenant(tenant, stripe_api):
    """A tenant with its own Stripe keys; `.webhook_secret` signs its events."""
    tenant.webhook_secret = f"whsec_{uuid.uuid4().hex}"
    tenant.settings({"payments": {"stripe_secret_key": STRIPE_TEST_KEY,
                                  "stripe_webhook_secret": tenant.webhook_secret}})
    return tenant


class LocalStripeClient:
    """What a mini-program's Stripe client and Stripe's dashboard would do, against localstripe."""

    def __init__(self, localstripe):
        self.url = localstripe.url
        self.headers = {"Authorization": f"Bearer {STRIPE_TEST_KEY}"}

    def register_webhook(self, url: str, secret: str) -> None:
        body = {"url": url, "secret": secret, "events": ["payment_intent.succeeded", "payment_intent.payment_failed"]}
        requests.post(f"{self.url}/_config/webhooks/fission", json=body, timeout=10).raise_for_status()

    def confirm(self, intent_id: str, payment_method: str = "pm_card_visa") -> dict:
        """Attach a card and confirm (localstripe cannot take the method on confirm itself)."""
        requests.post(f"{self.url}/v1/payment_intents/{intent_id}", data={"payment_method": payment_method},
                      headers=self.headers, timeout=10).raise_for_status()
        response = requests.post(f"{self.url}/v1/payment_intents/{intent_id}/confirm", headers=self.headers,
                                 timeout=10)
        return response.json()

    def intent(self, intent_id: str) -> dict:
        return requests.get(f"{self.url}/v1/payment_intents/{intent_id}", headers=self.headers, timeout=10).json()

    def refunds_of(self, intent_id: str) -> list[dict]:
        response = requests.get(f"{self.url}/v1/refunds", headers=self.headers, timeout=10)
        charges = {charge["id"] for charge in self._charges_of(intent_id)}
        return [refund for refund in response.json()["data"] if refund.get("charge") in charges
                or refund.get("payment_intent") == intent_id]

    def _charges_of(self, intent_id: str) -> list[dict]:
        response = requests.get(f"{self.url}/v1/charges", headers=self.headers, timeout=10)
        return [charge for charge in response.json()["data"] if charge.get("payment_intent") == intent_id]


@pytest.fixture
def stripe_client(localstripe):
    return LocalStripeClient(localstripe)


def signed_event(secret: str, *, event_type: str, intent: dict, event_id: str | None = None) -> tuple[bytes, str]:
    """A Stripe event about `intent`, signed as Stripe signs webhooks (HMAC-SHA256 of "timestamp.payload")."""
    timestamp = int(time.time())
    payload = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
                          "created": timestamp, "data": {"object": intent}}).encode()
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"
