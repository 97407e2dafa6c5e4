"""Real orders for loyalty's API tests: the consumer checks out, the shop's staff confirm the offline payment,
cancel and refund through the API, and loyalty hears of each through the events the shop publishes."""

from __future__ import annotations

from core import events
from core.db import unit_of_work
from core.tenancy import tenant_scope
from tests.api.shop.builders import create_product, sku_id
from tests.support.factories import TenantHandle
from tests.support.http import Caller


def checkout(tenant: TenantHandle, shopper: Caller, *, amount: int = 1_000, points: int = 0,
             coupon_id: str | None = None, expect: int = 201) -> dict:
    """A pending order that costs `amount` once its points are deducted: one unit of a SKU priced so.

    (A coupon's discount comes off that amount too.) A refusal answers its error body instead.
    """
    point_value = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["loyalty"]["point_value"]
    product = create_product(tenant, title="Loyalty test tea",
                             skus=[{"name": "box", "price": amount + points * point_value, "stock": 1_000}])
    body = {"lines": [{"sku_id": sku_id(product), "quantity": 1}], "points": points,
            **({"coupon_id": coupon_id} if coupon_id else {})}
    return shopper.post("/v1/storefront/orders", body, expect=expect).get_json()


def refused(tenant: TenantHandle, shopper: Caller, **terms) -> str:
    """The reason checkout gives for refusing an order."""
    return checkout(tenant, shopper, expect=409, **terms)["reason"]


def pay(tenant: TenantHandle, order: dict) -> dict:
    """The shop's staff confirm the offline payment: the order is paid (OrderPaid). An order that points and
    coupons left nothing to pay for was paid at checkout already."""
    if order["status"] == "paid":
        return order
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200).get_json()


def paid_order(tenant: TenantHandle, shopper: Caller, *, amount: int, points: int = 0) -> dict:
    """An order checked out and paid, `amount` in money."""
    return pay(tenant, checkout(tenant, shopper, amount=amount, points=points))


def cancel(shopper: Caller, order: dict, *, expect: int = 200) -> None:
    """The consumer cancels her unpaid order (OrderCancelled)."""
    shopper.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=expect)


def refund(tenant: TenantHandle, order: dict, *, amount: int) -> dict:
    """The merchant refunds part of a paid order (OrderRefunded, with the points share the shop computes)."""
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": amount}, expect=201).get_json()


def deliver_again(tenant: TenantHandle, event: events.OrderEvent) -> None:
    """An event the shop published, delivered a second time (as a retried job or handler would)."""
    with unit_of_work() as session, tenant_scope(tenant.id):
        events.publish(session, event)
