"""Distribution test data, built through the API as shops, distributors and buyers would."""

from __future__ import annotations

import uuid

from tests.api.shop.builders import create_product, paid_order, sku_id
from tests.support.factories import TenantHandle
from tests.support.http import Caller


def enable(tenant: TenantHandle, **rules) -> dict:
    """Turn distribution on (and any rule given); after-sales closes at completion unless said otherwise."""
    return tenant.settings({"distribution": {"enabled": True, **rules}})


def login(tenant: TenantHandle, *, invite_code: str | None = None, openid: str | None = None) -> tuple[Caller, dict]:
    """A consumer logging in (with an invite code, if given); returns the caller and the session body."""
    tenant.enable_dev_login()
    body = {"provider": "dev", "openid": openid or f"openid-{uuid.uuid4().hex[:12]}"}
    if invite_code is not None:
        body["invite_code"] = invite_code
    session = tenant.storefront.post("/v1/storefront/sessions", body, expect=201).get_json()
    caller = Caller(tenant.client, session["token"])
    caller.customer_id = session["customer"]["id"]
    return caller, session


def invite_code(consumer: Caller) -> str:
    return consumer.get("/v1/storefront/me", expect=200).get_json()["invite_code"]


def approved_distributor(tenant: TenantHandle, consumer: Caller | None = None) -> Caller:
    """A consumer whose application the shop approved (works whatever `who` is, as long as it is enabled)."""
    consumer = consumer or tenant.consumer()
    account = consumer.post("/v1/storefront/distributor", {}).get_json()
    if account["status"] == "pending":
        tenant.admin.post(f"/v1/admin/distributors/{account['id']}/approve", expect=200)
    consumer.distributor_id = account["id"]
    return consumer


def bound_to(tenant: TenantHandle, distributor: Caller) -> Caller:
    """A new customer bound to `distributor` with its invite code."""
    buyer = tenant.consumer()
    buyer.post("/v1/storefront/bindings", {"invite_code": invite_code(distributor)}, expect=201)
    return buyer


def account(consumer: Caller) -> dict:
    return consumer.get("/v1/storefront/distributor", expect=200).get_json()


def commissions(tenant: TenantHandle, **filters) -> list[dict]:
    query = {"limit": 100, **filters}
    return tenant.admin.get("/v1/finance/commissions", query=query, expect=200).get_json()["data"]


def by_level(found: list[dict]) -> dict[int, int]:
    return {commission["level"]: commission["amount"] for commission in found}


def product(tenant: TenantHandle, price: int, *, stock: int = 100, commission: dict | None = None) -> tuple[dict, str]:
    made = create_product(tenant, skus=[{"price": price, "stock": stock}])
    if commission is not None:
        tenant.admin.patch(f"/v1/admin/products/{made['id']}", {"commission": commission}, expect=200)
    return made, sku_id(made)


def buy(tenant: TenantHandle, buyer: Caller, sku: str, quantity: int = 1) -> dict:
    return paid_order(tenant, buyer, [(sku, quantity)])


def close_after_sales(tenant: TenantHandle, order: dict) -> None:
    """Ship and complete an order of a tenant whose after-sales window is 0 days: it closes at once."""
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/complete", expect=200)


def settle(tenant: TenantHandle) -> dict:
    """Ask for a settlement run (the job runs after the request commits, in tests) and read it back."""
    queued = tenant.admin.post("/v1/finance/settlements", expect=202).get_json()
    return tenant.admin.get(f"/v1/finance/settlements/{queued['id']}", expect=200).get_json()
