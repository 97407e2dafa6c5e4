"""One of (nearly) everything a tenant can own, built through the API as its users would.

The cross-tenant walk uses it: every id found in tenant A's rows is tried on every route with
tenant B's credentials. Extend `populate` when a capability adds something a tenant owns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.support.factories import TenantHandle
from tests.support.http import Caller


@dataclass
class World:
    tenant: TenantHandle
    consumer: Caller
    ids: dict[str, str] = field(default_factory=dict)


def populate(tenant: TenantHandle) -> World:
    """Give the tenant keys, customers, settings and whatever its shop and loyalty capabilities hold."""
    consumer = tenant.consumer()
    world = World(tenant, consumer)
    world.ids["customer"] = consumer.customer_id
    world.ids["api_key"] = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, expect=201).get_json()["id"]
    tenant.settings({"orders": {"after_sales_days": 3}})
    for extend in EXTENSIONS:
        extend(world)
    return world


def shop(world: World) -> None:
    """A product, a paid and partly refunded order, and a pending one."""
    admin, consumer = world.tenant.admin, world.consumer
    product = admin.post("/v1/admin/products", {"title": "Oolong", "skus": [{"name": "100g", "price": 3000,
                                                                            "stock": 50}]}, expect=201).get_json()
    world.ids["product"], world.ids["sku"] = product["id"], product["skus"][0]["id"]
    paid = consumer.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 2}]},
                         expect=201).get_json()
    admin.post(f"/v1/admin/orders/{paid['id']}/offline-payment", expect=200)
    world.ids["refund"] = admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {"amount": 100},
                                     expect=201).get_json()["id"]
    world.ids["order"] = paid["id"]
    world.ids["pending_order"] = consumer.post("/v1/storefront/orders", {
        "lines": [{"sku_id": world.ids["sku"], "quantity": 1}]}, expect=201).get_json()["id"]


def loyalty(world: World) -> None:
    """Points (adjusted, signed in), a claimed coupon, and a reward."""
    admin, consumer = world.tenant.admin, world.consumer
    admin.post(f"/v1/admin/customers/{world.ids['customer']}/points/adjustments",
               {"points": 500, "reason": "welcome"}, expect=201)
    consumer.post("/v1/storefront/points/sign-in", expect=201)
    template = admin.post("/v1/admin/coupon-templates", {"name": "5 off", "kind": "amount_off", "amount_off": 500,
                                                         "claimable": True}, expect=201).get_json()
    world.ids["coupon_template"] = template["id"]
    world.ids["coupon"] = consumer.post(f"/v1/storefront/coupon-templates/{template['id']}/claim",
                                        expect=201).get_json()["id"]
    world.ids["reward"] = admin.post("/v1/admin/rewards", {"name": "Coupon for points", "points_cost": 10,
                                                           "coupon_template_id": template["id"]},
                                     expect=201).get_json()["id"]


def console(world: World) -> None:
    """A console session, signed in through the sign-in form as a browser would (its own cookie jar)."""
    browser = world.tenant.client.application.test_client()
    page = browser.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = browser.post("/console/login", data={"csrf_token": token, "api_key": world.tenant.admin_key})
    assert signed.status_code == 303, signed.get_data(as_text=True)


EXTENSIONS: list = [shop, loyalty, console]
