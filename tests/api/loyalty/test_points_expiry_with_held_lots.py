"""The expiry batch and a customer's transaction at once, on PostgreSQL (the one-statement batch; SQLite, the
embedded default, has one writer at a time, so nothing holds a lot there while a batch runs)."""

import threading
from datetime import timedelta

from sqlalchemy import select, text

from core import clock
from core.db import database, unit_of_work
from core.tenancy import tenant_scope
from loyalty.points.models import PointsLot
from loyalty.points.service import expiry
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


def test_a_lot_changed_while_a_batch_chooses_its_lots_is_expired_with_its_entry_or_left_whole(tenant):
    """The batch reads what its entries record from the lots it locks; a lot another transaction changed and
    committed after the batch's snapshot is locked in a version the batch's UPDATE cannot see. Such a batch is
    refused whole (ExpiryRaced) and runs again: whatever the interleaving, every lot ends expired exactly once
    and the entries' draws say exactly what each lot lost."""
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shopper = tenant.consumer()
    lots = 6_000
    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(text("""
            INSERT INTO points_lots (tenant_id, id, customer_id, entry_id, points, remaining, expired,
                                     available_at, expires_at, created_at)
            SELECT :tenant_id, 'plt_race_' || lpad(n::text, 5, '0'), :customer_id, 'pte_race', 10 + n % 7,
                   10 + n % 7, 0, now() - interval '3 days', now() - interval '1 day', now() - interval '3 days'
            FROM generate_series(1, :lots) AS n
        """), {"tenant_id": tenant.id, "customer_id": shopper.customer_id, "lots": lots})
    done = threading.Event()

    def touch_due_lots():
        # New versions of due lots, committed as fast as they can be: some land between a batch's snapshot and
        # its lock on them.
        with database.require_engine().connect() as toucher:
            toucher.execute(text("SET synchronous_commit = off"))
            n = 0
            while not done.is_set():
                n = n % lots + 1
                toucher.execute(text("UPDATE points_lots SET remaining = remaining WHERE tenant_id = :tenant_id "
                                     "AND id = :id AND remaining > 0"),
                                {"tenant_id": tenant.id, "id": f"plt_race_{n:05d}"})
                toucher.commit()

    toucher = threading.Thread(target=touch_due_lots)
    toucher.start()
    raced = 0
    try:
        more = True
        while more:
            try:
                with unit_of_work() as session, tenant_scope(tenant.id):
                    more = expiry.expire_due_lots(session, now=clock.now(), limit=50).lots > 0
            except expiry.ExpiryRaced:
                raced += 1
    finally:
        done.set()
        toucher.join()

    with unit_of_work() as session, tenant_scope(tenant.id):
        scope = {"tenant_id": tenant.id}
        lost = dict(session.execute(text("SELECT id, points FROM points_lots WHERE tenant_id = :tenant_id "
                                         "AND remaining = 0 AND expired = points"), scope).all())
        drawn = session.execute(text("""
            SELECT draw->>'lot_id', CAST(draw->>'points' AS integer) FROM points_entries,
                   jsonb_array_elements(draws) AS draw WHERE tenant_id = :tenant_id AND kind = 'expire'"""),
                                scope).all()
        total = session.execute(text("SELECT sum(points) FROM points_entries WHERE tenant_id = :tenant_id "
                                     "AND kind = 'expire'"), scope).scalar_one()
    assert len(lost) == lots, f"{lots - len(lost)} lots not expired exactly once ({raced} batches raced)"
    assert sorted(drawn) == sorted(lost.items())
    assert total == -sum(lost.values())
