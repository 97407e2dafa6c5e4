"""One of (nearly) everything a tenant can own, built through the API as its users would.

The cross-tenant walk uses it: every id found in tenant A's rows is tried on every route with
tenant B's credentials. Extend `populate` when a capability adds something a tenant owns.
"""

from __future__ import annotations

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


# Capabilities append builders here (see tests/support/world_*.py), each `builder(world) -> None`.
EXTENSIONS: list = []
