"""Group-buy test data, built through the API as merchants and consumers would."""

from __future__ import annotations

from datetime import timedelta

from core import clock, jobs
from tests.api.shop.builders import create_product, pay_offline, sku_id
from tests.support.factories import TenantHandle
from tests.support.http import Caller


def later(**delta) -> str:
    return (clock.now() + timedelta(**delta)).isoformat()


def campaign(tenant: TenantHandle, *, regular: int = 5000, price: int = 3000, stock: int = 100, group_size: int = 3,
             time_limit_minutes: int = 60, product: dict | None = None, expect: int = 201, **extra) -> dict:
    """A running campaign of a new product (one SKU) at `price`; `.product` and `.sku` name what it sells."""
    product = product or create_product(tenant, skus=[{"name": "box", "price": regular, "stock": stock}])
    body = {"product_id": product["id"], "prices": [{"sku_id": sku_id(product), "price": price}],
            "group_size": group_size, "time_limit_minutes": time_limit_minutes, "ends_at": later(days=7), **extra}
    created = tenant.admin.post("/v1/admin/group-buys", body, expect=expect).get_json()
    if expect == 201:
        created["product"], created["sku"] = product, sku_id(product)
    return created


def order(shopper: Caller, gb: dict, *, group_id: str | None = None, quantity: int = 1, sku: str | None = None,
          expect: int = 201, **extra) -> dict:
    """Start a group (no group_id) or join one, through the normal checkout."""
    group_buy = {"campaign_id": gb["id"], **({"group_id": group_id} if group_id else {})}
    body = {"lines": [{"sku_id": sku or gb["sku"], "quantity": quantity}], "group_buy": group_buy, **extra}
    return shopper.post("/v1/storefront/orders", body, expect=expect).get_json()


def refusal(shopper: Caller, gb: dict, **kwargs) -> str:
    return order(shopper, gb, expect=409, **kwargs)["reason"]


def started(tenant: TenantHandle, gb: dict, leader: Caller | None = None) -> tuple[Caller, dict]:
    """A leader who started a group and paid for it: the group is forming."""
    leader = leader or tenant.consumer()
    placed = pay_offline(tenant, order(leader, gb))
    return leader, placed


def joined(tenant: TenantHandle, gb: dict, group_id: str, *, paid: bool = True) -> tuple[Caller, dict]:
    member = tenant.consumer()
    placed = order(member, gb, group_id=group_id)
    return member, pay_offline(tenant, placed) if paid else placed


def group(caller: Caller, group_id: str) -> dict:
    return caller.get(f"/v1/storefront/groups/{group_id}", expect=200).get_json()


def admin_group(tenant: TenantHandle, gb: dict, group_id: str) -> dict:
    groups = tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}/groups", query={"limit": 100},
                              expect=200).get_json()["data"]
    [found] = [g for g in groups if g["id"] == group_id]
    return found


def run_jobs_after(tenant: TenantHandle, **delta) -> None:
    """Let `delta` pass and run this tenant's jobs then due (deadlines, timeouts)."""
    with clock.travel(timedelta(**delta)):
        jobs.run_due(tenant_id=tenant.id)
