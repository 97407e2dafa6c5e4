"""Reading a customer's points in loyalty's API tests."""

from __future__ import annotations

from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.points.jobs import expire_points
from tests.support.http import Caller


def points_of(shopper: Caller) -> dict:
    return shopper.get("/v1/storefront/points", expect=200).get_json()


def entries_of(shopper: Caller) -> list[tuple[str, int]]:
    """(kind, points) of the customer's ledger, oldest first."""
    entries = shopper.get("/v1/storefront/points/entries", query={"limit": 100}, expect=200).get_json()["data"]
    return [(entry["kind"], entry["points"]) for entry in reversed(entries)]


def give_points(tenant, shopper: Caller, points: int) -> dict:
    return tenant.admin.post(f"/v1/admin/customers/{shopper.customer_id}/points/adjustments",
                             {"points": points, "reason": "test"}, expect=201).get_json()


def run_expiry(tenant_id: str, **kwargs) -> None:
    """The tenant's expiry job, run here and now (its follow-ups run after commit, as jobs do in tests)."""
    with unit_of_work() as session, tenant_scope(tenant_id):
        expire_points(session, **kwargs)
