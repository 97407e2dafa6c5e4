"""Voucher test data, built through the API the way merchants, cashiers and platforms would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

from loyalty.vouchers import rules
from tests.support.factories import TenantHandle
from tests.support.http import Caller

POOLS = "/v1/admin/voucher-pools"


def create_pool(tenant: TenantHandle, *, expect: int = 201, **fields) -> dict:
    body = {"name": "Spring vouchers", "platform": "offline", "direction": "accept", "face_value": 1000, **fields}
    return tenant.admin.post(POOLS, body, expect=expect).get_json()


def import_codes(tenant: TenantHandle, pool: dict, codes: list[str], *, expect: int = 201) -> dict:
    return tenant.admin.post(f"{POOLS}/{pool['id']}/codes", {"codes": codes}, expect=expect).get_json()


def pool_with_codes(tenant: TenantHandle, codes: list[str], **fields) -> dict:
    pool = create_pool(tenant, **fields)
    assert import_codes(tenant, pool, codes)["imported"] == len(codes)
    return pool


def vouchers_of(tenant: TenantHandle, pool: dict, **query) -> list[dict]:
    return tenant.admin.get(f"{POOLS}/{pool['id']}/vouchers", query={"limit": 100, **query},
                            expect=200).get_json()["data"]


def voucher(tenant: TenantHandle, code: str) -> dict:
    """The voucher with this code, looked up as a cashier would (changes nothing)."""
    return tenant.admin.post("/v1/admin/vouchers/lookup", {"code": code}, expect=200).get_json()


def verify(caller: Caller, code: str, *, expect: int = 200, **extra) -> dict:
    return caller.post("/v1/admin/vouchers/verify", {"code": code, **extra}, expect=expect).get_json()


def counts(tenant: TenantHandle, pool: dict) -> dict:
    return tenant.admin.get(f"{POOLS}/{pool['id']}", expect=200).get_json()["counts"]


def grant(tenant: TenantHandle, pool: dict, customer_ids: list[str], *, expect: int = 201) -> dict:
    return tenant.admin.post(f"{POOLS}/{pool['id']}/grants", {"customer_ids": customer_ids},
                             expect=expect).get_json()


def issued_code(tenant: TenantHandle, shopper: Caller, **pool_fields) -> str:
    """A code of a fresh issue pool, granted to `shopper`."""
    pool = pool_with_codes(tenant, [f"GIFT{uuid.uuid4().hex[:10].upper()}"], direction="issue", **pool_fields)
    grant(tenant, pool, [shopper.customer_id])
    held = shopper.get("/v1/storefront/vouchers", query={"limit": 100}, expect=200).get_json()["data"]
    return next(v["code"] for v in held if v["pool_id"] == pool["id"])


def unique_code(prefix: str = "C") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def lookalike_code() -> str:
    """A code of the generated shape whose check character is wrong, as another platform's code may be."""
    payload = rules.generate_code()[:-1]
    return payload + ("2" if rules.check_character(payload) != "2" else "3")


def signed_callback(secret: str, *, code: str, type_: str = "voucher.redeemed", event_id: str | None = None,
                    timestamp: int | None = None, occurred_at: datetime | None = None) -> tuple[bytes, dict]:
    """A platform's event, signed as the contract says: HMAC-SHA256 of "<t>.<raw body>" with the callback secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    body = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "type": type_, "code": code,
                       "occurred_at": (occurred_at or datetime.now(UTC)).isoformat()}).encode()
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Fission-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def send_callback(client, pool: dict, body: bytes, headers: dict):
    return client.post(f"/v1/webhooks/vouchers/{pool['id']}", data=body, headers=headers)
