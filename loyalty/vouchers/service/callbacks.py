"""The two ways platforms reach us: the generic signed callback, and a platform's own notifications.

Generic: `Fission-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed by the pool's
callback secret, within 300 seconds of now (either way). A platform's own (Douyin): whatever its adapter
verifies. Either way the pool named in the path tells us the tenant, and each event id takes effect once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.errors import InvalidRequest, NotFound
from core.tenancy import tenant_scope
from loyalty.vouchers import rules
from loyalty.vouchers.errors import InvalidSignature
from loyalty.vouchers.models import VoucherPool
from loyalty.vouchers.platforms import adapter_for
from loyalty.vouchers.platforms.base import Challenge, Notice
from loyalty.vouchers.service import notices
from loyalty.vouchers.service.pools import tenant_of_pool

TOLERANCE_SECONDS = 300
CALLBACK_TYPES = {"voucher.redeemed": "redeemed", "voucher.reversed": "reversed"}


def receive_callback(session: Session, *, pool_id: str, payload: bytes, signature: str) -> str:
    """A platform's signed event about one of the pool's codes, applied once; returns what it did."""
    with tenant_scope(_tenant_of(session, pool_id)):
        pool = session.scalars(select(VoucherPool).where(VoucherPool.id == pool_id)).one()
        if not signature_matches(pool.callback_secret, payload, signature, now=clock.now().timestamp()):
            raise InvalidSignature("The Fission-Signature header does not match this payload")
        event = _parsed(payload)
        code = rules.normalize(event["code"])
        notice = Notice(event_id=event["id"], action=CALLBACK_TYPES.get(event["type"], "unknown"),
                        occurred_at=event["occurred_at"],
                        code=code if rules.format_problem(code) is None else None)  # not a code: no pool holds it
        return notices.apply(session, pool=pool, notice=notice, source="callback")


def receive_platform_notification(session: Session, *, pool_id: str, headers, payload: bytes) -> dict:
    """A notification in the pool's platform's own format (Douyin's), verified by its adapter."""
    with tenant_scope(_tenant_of(session, pool_id)):
        pool = session.scalars(select(VoucherPool).where(VoucherPool.id == pool_id)).one()
        adapter = adapter_for(pool.platform)
        if not adapter.reports_redemptions:
            raise NotFound("This pool's platform sends no notifications of its own; use the generic callback")
        notice = adapter.read_notification(pool.platform_settings, headers=headers, body=payload)
        if isinstance(notice, Challenge):
            return notice.body
        return {"received": True, "outcome": notices.apply(session, pool=pool, notice=notice, source=pool.platform)}


def signature_matches(secret: str, payload: bytes, header: str, *, now: float) -> bool:
    """Whether `header` signs `payload` with `secret` at a time within the tolerance of `now`."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for name, value in parts if name.strip() == "t"]
    signatures = [value.strip() for name, value in parts if name.strip() == "v1"]
    if len(timestamps) != 1 or not signatures or not timestamps[0].strip().isdigit():
        return False
    timestamp = timestamps[0].strip()
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


def _tenant_of(session: Session, pool_id: str) -> str:
    tenant_id = tenant_of_pool(session, pool_id=pool_id)
    if tenant_id is None:
        raise NotFound("No such voucher pool")
    return tenant_id


def _parsed(payload: bytes) -> dict:
    """The event's fields; 422 when a signed body is not an event (the platform's bug, not an attacker's)."""
    errors = {}
    try:
        event = json.loads(payload)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise InvalidRequest("The body is not a JSON object")
    for name in ("id", "type", "code"):
        if not isinstance(event.get(name), str) or not 1 <= len(event[name]) <= 255:
            errors[name] = ["Required: a string of 1 to 255 characters."]
    try:
        occurred_at = datetime.fromisoformat(event.get("occurred_at") or "")
        if occurred_at.tzinfo is None:
            raise ValueError("no offset")
    except (TypeError, ValueError):
        errors["occurred_at"] = ["Required: an ISO 8601 time with its offset."]
    if errors:
        raise InvalidRequest("Invalid voucher event", errors={"json": errors})
    return {**event, "occurred_at": occurred_at}
