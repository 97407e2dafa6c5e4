"""Real orders for segments' tests: placed by consumers, paid and refunded by staff through the API."""

from __future__ import annotations

from tests.api.shop.builders import create_product, pay_offline, place_order, sku_id
from tests.support.factories import TenantHandle
from tests.support.http import Caller


class Shop:
    """A tenant with one product on sale, and shortcuts to buy it and refund it."""

    def __init__(self, tenant: TenantHandle, *, price: int = 10_000):
        self.tenant = tenant
        self.sku = sku_id(create_product(tenant, skus=[{"name": "one", "price": price, "stock": 10_000}]))

    def buy(self, shopper: Caller, *, quantity: int = 1, **extra) -> dict:
        """Place an order and have staff confirm its offline payment; the paid order."""
        return pay_offline(self.tenant, place_order(shopper, [(self.sku, quantity)], **extra))

    def refund(self, order: dict, amount: int | None = None) -> dict:
        body = {} if amount is None else {"amount": amount}
        return self.tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", body, expect=201).get_json()


def customer(tenant: TenantHandle, customer_id: str) -> dict:
    return tenant.admin.get(f"/v1/admin/customers/{customer_id}", expect=200).get_json()


def stage_of(tenant: TenantHandle, shopper: Caller) -> str:
    return customer(tenant, shopper.customer_id)["stage"]


def refresh(tenant: TenantHandle) -> None:
    """Ask for the lifecycle refresh (the job runs right after the request in API tests)."""
    assert tenant.admin.post("/v1/admin/lifecycle/refresh", expect=202).get_json() == {"status": "queued"}
