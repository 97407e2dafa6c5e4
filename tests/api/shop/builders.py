"""Shop test data, built through the API the way merchants and consumers would."""

from __future__ import annotations

from tests.support.factories import TenantHandle
from tests.support.http import Caller


def create_product(tenant: TenantHandle, *, title: str = "Oolong tea", skus: list[dict] | None = None) -> dict:
    body = {"title": title, "skus": skus or [{"name": "250 g", "price": 8800, "stock": 10}]}
    return tenant.admin.post("/v1/admin/products", body, expect=201).get_json()


def sku_id(product: dict, index: int = 0) -> str:
    return product["skus"][index]["id"]


def place_order(shopper: Caller, lines: list[tuple[str, int]], *, expect: int = 201, **extra) -> dict:
    body = {"lines": [{"sku_id": sku, "quantity": quantity} for sku, quantity in lines], **extra}
    return shopper.post("/v1/storefront/orders", body, expect=expect).get_json()


def pay_offline(tenant: TenantHandle, order: dict) -> dict:
    """The shop's staff confirm that an offline order's money arrived."""
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200).get_json()


def paid_order(tenant: TenantHandle, shopper: Caller, lines: list[tuple[str, int]]) -> dict:
    return pay_offline(tenant, place_order(shopper, lines))


def stock_of(tenant: TenantHandle, product: dict, index: int = 0) -> int:
    current = tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()
    return current["skus"][index]["stock"]


def admin_order(tenant: TenantHandle, order: dict) -> dict:
    return tenant.admin.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()
