"""Stripe webhooks: one endpoint for every tenant, signature-checked on the raw body, each event processed once.

The secret to verify with is the environment's, else the tenant's named by the (not yet trusted)
payload's `data.object.metadata.tenant_id`; a tenant's secret can only vouch for its own events.
The event id is recorded under a unique key in the same transaction that processes it, so the
same event delivered twice, even at the same moment, is processed once.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.errors import DomainError
from core.tenancy import tenant_scope
from shop.payments import config, gateway
from shop.payments import service as payments
from shop.payments.models import WebhookEvent
from tenants.platform.models import Tenant

log = logging.getLogger("fission.shop.webhooks")


class InvalidSignature(DomainError):
    status, reason = 400, "invalid_signature"
    message = "The Stripe-Signature header does not match this payload"


def receive(session: Session, *, payload: bytes, signature: str) -> None:
    """Verify a Stripe event and process it once, in the scope of the tenant it belongs to."""
    event, tenant_id = _verify(session, payload, signature)
    if tenant_id is None or session.get(Tenant, tenant_id) is None:
        log.info("Stripe event %s names no tenant of ours; acknowledged and ignored", event.get("id"))
        return
    target = event["data"]["object"]
    with tenant_scope(tenant_id):
        first_delivery = insert_ignoring_conflicts(
            session, WebhookEvent.__table__,
            {"tenant_id": tenant_id, "event_id": event["id"], "type": event["type"], "object_id": target.get("id"),
             "received_at": clock.now()},
            index_elements=["tenant_id", "event_id"],
        )
        if first_delivery:
            _process(session, event["type"], target)
        session.flush()


def _process(session: Session, event_type: str, target: dict) -> None:
    if event_type not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        return
    try:
        intent = gateway.intent_state(target)
    except gateway.UnreadableIntent as error:
        log.warning("Stripe event about %r cannot be read: %s", target.get("id"), error)
        raise gateway.MalformedEvent() from error
    if event_type == "payment_intent.succeeded":
        payments.record_intent_succeeded(session, intent=intent)
    else:
        payments.record_intent_failed(session, intent=intent)


def _verify(session: Session, payload: bytes, signature: str) -> tuple[dict, str | None]:
    event = gateway.verified_event(payload, signature, config.environment_webhook_secret())
    if event is not None:
        return event, _tenant_named(event)
    tenant_id = _tenant_named(_unverified(payload))
    if tenant_id and session.get(Tenant, tenant_id) is not None:
        with tenant_scope(tenant_id):
            event = gateway.verified_event(payload, signature, config.tenant_webhook_secret(session))
    if event is None:
        raise InvalidSignature()
    return event, tenant_id


def _unverified(payload: bytes) -> dict:
    try:
        parsed = json.loads(payload)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _tenant_named(event: dict) -> str | None:
    # Also read from payloads not yet verified: nothing about their shape is assumed.
    data = event.get("data") if isinstance(event, dict) else None
    target = data.get("object") if isinstance(data, dict) else None
    metadata = target.get("metadata") if isinstance(target, dict) else None
    tenant_id = metadata.get("tenant_id") if isinstance(metadata, dict) else None
    return tenant_id if isinstance(tenant_id, str) else None
