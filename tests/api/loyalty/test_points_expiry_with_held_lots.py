"""The expiry batch and a customer's transaction at once, on PostgreSQL (the one-statement batch; SQLite, the
embedded default, has one writer at a time, so nothing holds a lot there while a batch runs)."""

import threading
from datetime import timedelta

from sqlalchemy import select, text

from core import clock
from core.db import database, unit_of_work
from core.tenancy import tenant_scope
from loyalty.points.models import PointsLot
from tests.api.loyalty.points import entries_of, give_points, run_expiry


def test_a_lot_held_by_a_customers_transaction_is_left_for_the_next_run(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shopper = tenant.consumer()
    held, free = give_points(tenant, shopper, 30), give_points(tenant, shopper, 12)
    with unit_of_work() as session, tenant_scope(tenant.id):
        lot_of = dict(session.execute(select(PointsLot.entry_id, PointsLot.id)).all())

    with clock.travel(timedelta(days=3)):
        # Another transaction (a customer's spend, say) holds one lot: the batch passes over it rather than wait.
        with database.require_engine().connect() as holder:
            holder.execute(text("SELECT id FROM points_lots WHERE tenant_id = :tenant_id AND id = :id FOR UPDATE"),
                           {"tenant_id": tenant.id, "id": lot_of[held["id"]]})
            expiring = threading.Thread(target=run_expiry, args=(tenant.id,))
            expiring.start()
            expiring.join(timeout=15)
            waited = expiring.is_alive()
            holder.rollback()  # (a batch that waited finishes now, so a failure does not hang the run)
            expiring.join()
        assert not waited, "the batch waited for the held lot"
        assert remaining_of(tenant, lot_of) == {held["id"]: 30, free["id"]: 0}
        run_expiry(tenant.id)

    assert remaining_of(tenant, lot_of) == {held["id"]: 0, free["id"]: 0}
    assert [points for kind, points in entries_of(shopper) if kind == "expire"] == [-12, -30]


def remaining_of(tenant, lot_of: dict) -> dict:
    with unit_of_work() as session, tenant_scope(tenant.id):
        remaining = dict(session.execute(select(PointsLot.id, PointsLot.remaining)).all())
    return {entry_id: remaining[lot_id] for entry_id, lot_id in lot_of.items()}
