"""Referral helpers for loyalty's API tests: invitations through the login, orders through the real shop."""

from __future__ import annotations

import uuid

from tests.api.shop.builders import create_product, paid_order, place_order, sku_id
from tests.support.factories import TenantHandle
from tests.support.http import Caller

SESSIONS = "/v1/storefront/sessions"


def enable_referrals(tenant: TenantHandle, **terms) -> dict:
    return tenant.settings({"referrals": {"enabled": True, **terms}})


def invite_code_of(shopper: Caller) -> str:
    return shopper.get("/v1/storefront/me", expect=200).get_json()["invite_code"]


def log_in_with_code(tenant: TenantHandle, invite_code: str, *, openid: str | None = None) -> Caller:
    """A (dev) login carrying an invite code; the caller keeps the login's answer in `.answer`."""
    tenant.enable_dev_login()
    body = {"provider": "dev", "openid": openid or f"friend-{uuid.uuid4().hex[:12]}", "invite_code": invite_code}
    answer = tenant.storefront.post(SESSIONS, body, expect=201).get_json()
    caller = Caller(tenant.client, answer["token"])
    caller.customer_id, caller.answer = answer["customer"]["id"], answer
    return caller


def invite(tenant: TenantHandle, inviter: Caller) -> Caller:
    """A friend arrives with the inviter's code and is bound."""
    friend = log_in_with_code(tenant, invite_code_of(inviter))
    assert friend.answer["referral"] == {"status": "bound"}, friend.answer
    return friend


def tea(tenant: TenantHandle, *, price: int = 5000, stock: int = 100) -> str:
    """A SKU to order."""
    return sku_id(create_product(tenant, skus=[{"name": "100 g", "price": price, "stock": stock}]))


def buy(tenant: TenantHandle, shopper: Caller, sku: str, quantity: int = 1) -> dict:
    """Check out and have the staff confirm the offline payment."""
    return paid_order(tenant, shopper, [(sku, quantity)])


def order(shopper: Caller, sku: str, quantity: int = 1, **extra) -> dict:
    return place_order(shopper, [(sku, quantity)], **extra)


def receive(tenant: TenantHandle, placed: dict) -> dict:
    """The merchant ships, the consumer's receipt completes the order (its after-sales window opens)."""
    tenant.admin.post(f"/v1/admin/orders/{placed['id']}/ship", expect=200)
    return tenant.admin.post(f"/v1/admin/orders/{placed['id']}/complete", expect=200).get_json()


def referrals_of(inviter: Caller) -> list[dict]:
    return inviter.get("/v1/storefront/referrals", expect=200).get_json()["data"]


def summary_of(inviter: Caller) -> dict:
    return inviter.get("/v1/storefront/referrals/summary", expect=200).get_json()


def referral_entries(shopper: Caller) -> list[int]:
    """The points of the customer's referral ledger entries, oldest first."""
    entries = shopper.get("/v1/storefront/points/entries", query={"limit": 100}, expect=200).get_json()["data"]
    return [entry["points"] for entry in reversed(entries) if entry["kind"] == "referral"]


def referral_coupons(shopper: Caller) -> list[dict]:
    coupons = shopper.get("/v1/storefront/coupons", query={"limit": 100}, expect=200).get_json()["data"]
    return [coupon for coupon in coupons if coupon["source"] == "referral"]
