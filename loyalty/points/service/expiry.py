"""Expiring what is left of due lots: set-based, one batch per transaction, one tenant at a time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Row, select, text, update
from sqlalchemy.orm import Session

from core.ids import new_id, sql_new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsEntry, PointsLot

_LOTS = PointsLot.__table__


def expire_due_lots(session: Session, *, now: datetime, limit: int) -> int:
    """Expire what is left of up to `limit` due lots of the current tenant; returns how many lots.

    Raw SQL on tenant tables, so it names tenant_id itself. Set-based, whatever the batch size: zero a
    batch of due lots, locked as it is chosen (skipping lots a customer's operation holds; the next run
    takes them), and write one `expire` entry per customer for what the batch took (its lots in `draws`).
    """
    expire_batch = _EXPIRE_BATCH_BY_DIALECT.get(session.get_bind().dialect.name, _expire_batch_portably)
    return expire_batch(session, tenant_id=require_tenant_id(), now=now, limit=limit)


def _expire_batch_portably(session: Session, *, tenant_id: str, now: datetime, limit: int) -> int:
    """Any database (SQLite, the embedded default): zero the batch, then write its entries from Python."""
    expired = _zero_selected_batch(session, tenant_id=tenant_id, now=now, limit=limit)
    if not expired:
        return 0
    draws = defaultdict(list)
    for lot in expired:
        draws[lot.customer_id].append({"lot_id": lot.id, "points": lot.remaining})
    entries = []
    for customer_id, taken in draws.items():
        entry_id = new_id("pte")
        entries.append({"tenant_id": tenant_id, "id": entry_id, "customer_id": customer_id, "kind": "expire",
                        "points": -sum(draw["points"] for draw in taken), "source": f"expire:{entry_id}",
                        "draws": taken, "created_at": now})
    session.execute(PointsEntry.__table__.insert(), entries)
    return len(expired)


# PostgreSQL does the whole batch in one round trip: the lots never travel to Python and back (a million
# lots were 1 M rows over the wire, and a JSON document per customer built in Python). The entries' ids are
# made in the statement, in our id format, since only the statement knows how many customers a batch touched.
# The batch's rows are found again by their `ctid` (a direct heap fetch, not a join on the key): safe because
# `FOR UPDATE` holds them, so nothing can move them before the UPDATE. Every lot chosen is due, so the batch
# needs no order: sorting ten thousand lots a batch bought nothing.
_EXPIRE_BATCH = """
    WITH due AS (
        SELECT ctid, remaining FROM points_lots
        WHERE tenant_id = :tenant_id AND remaining > 0 AND expires_at <= :now
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), zeroed AS (
        UPDATE points_lots AS lot SET expired = lot.expired + due.remaining, remaining = 0
        FROM due WHERE lot.ctid = due.ctid
        RETURNING lot.customer_id, lot.id, due.remaining
    ), per_customer AS (
        SELECT customer_id, -sum(remaining) AS points,
               jsonb_agg(jsonb_build_object('lot_id', id, 'points', remaining)) AS draws,
               sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())) AS random_bytes
        FROM zeroed GROUP BY customer_id
    ), entries AS MATERIALIZED (
        SELECT :tenant_id AS tenant_id, {entry_id} AS id, customer_id, points, draws FROM per_customer
    ), written AS (
        INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, draws, created_at)
        SELECT tenant_id, id, customer_id, 'expire', points, 'expire:' || id, draws, :now FROM entries
    )
    SELECT count(*) FROM zeroed
"""


def _expire_batch_in_one_statement(session: Session, *, tenant_id: str, now: datetime, limit: int) -> int:
    statement = text(_EXPIRE_BATCH.format(entry_id=sql_new_id("pte", random_bytes="random_bytes")))
    return session.execute(statement, {"tenant_id": tenant_id, "now": now, "limit": limit}).scalar_one()


def _due(tenant_id: str, now: datetime, limit: int):
    return (
        select(_LOTS.c.tenant_id, _LOTS.c.id, _LOTS.c.customer_id, _LOTS.c.remaining)
        .where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.remaining > 0, _LOTS.c.expires_at <= now)
        .order_by(_LOTS.c.expires_at, _LOTS.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    )


def _zero_selected_batch(session: Session, *, tenant_id: str, now: datetime, limit: int) -> list[Row]:
    """SQLite (whose RETURNING sees only the updated table): read the batch, then zero it by id.
    SQLite has one writer at a time: a write between the two statements fails this run, which retries."""
    batch = session.execute(_due(tenant_id, now, limit)).all()
    if batch:
        session.execute(
            update(_LOTS).where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.id.in_([lot.id for lot in batch]))
            .values(expired=_LOTS.c.expired + _LOTS.c.remaining, remaining=0)
        )
    return batch


_EXPIRE_BATCH_BY_DIALECT = {"postgresql": _expire_batch_in_one_statement}
