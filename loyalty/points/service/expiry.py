"""Expiring what is left of due lots: set-based, one batch per transaction, one tenant at a time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Row, select, text, update
from sqlalchemy.orm import Session

from core.ids import new_id, sql_new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsEntry, PointsLot

_LOTS = PointsLot.__table__


class Expired(NamedTuple):
    lots: int  # how many lots the batch expired
    more: bool  # whether due lots were left beyond it (when the batch began, not held by others)


def expire_due_lots(session: Session, *, now: datetime, limit: int) -> Expired:
    """Expire what is left of up to `limit` due lots of the current tenant.

    Raw SQL on tenant tables, so it names tenant_id itself. Set-based, whatever the batch size: zero a
    batch of due lots, locked as it is chosen (skipping lots a customer's operation holds; the next run
    takes them), and write one `expire` entry per customer for what the batch took (its lots in `draws`).
    It looks for one due lot more than it takes, so a caller knows whether another batch is worth running
    (a full batch that took the last due lots needs no follow-up).
    """
    expire_batch = _EXPIRE_BATCH_BY_DIALECT.get(session.get_bind().dialect.name, _expire_batch_portably)
    return expire_batch(session, tenant_id=require_tenant_id(), now=now, limit=limit)


def _expire_batch_portably(session: Session, *, tenant_id: str, now: datetime, limit: int) -> int:
    """Any database (SQLite, the embedded default): zero the batch, then write its entries from Python."""
    expired, more = _zero_selected_batch(session, tenant_id=tenant_id, now=now, limit=limit)
    if not expired:
        return Expired(0, more=False)
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
    return Expired(len(expired), more=more)


# PostgreSQL does the whole batch in one round trip: the lots never travel to Python and back (a million
# lots were 1 M rows over the wire, and a JSON document per customer built in Python). The entries' ids are
# made in the statement, in our id format, since only the statement knows how many customers a batch touched.
# The batch's lots are locked as they are chosen, and what the entries need (customer, lot, what was left) is
# read then: under the lock nothing else can change it before the UPDATE, which finds the lots again by their
# `ctid` (a direct heap fetch: a TID scan of the array; joined on `ctid`, the planner was seen to hash a scan of
# the whole table for each batch) and returns nothing to join back (the join cost a tenth of the batch).
# One case escapes the lock: a lot some transaction changed and committed after this statement's snapshot is
# locked in its new version, which the UPDATE (under that snapshot) does not see. So the statement also counts
# what the UPDATE zeroed, and a batch whose count differs from its lots' is refused whole (`ExpiryRaced`, the
# job runs again). Every lot chosen is due, so the batch needs no order: sorting ten thousand lots a batch bought
# nothing. One lot more than the batch is locked (and left as it is) to learn whether a follow-up is needed: a
# tenant with exactly a batch of due lots ran a second, empty job. The `draws` document is written as JSON text
# and parsed once per customer: half the time of `jsonb_agg(jsonb_build_object(…))` per lot (`to_json` quotes
# the id); the column is compressed with lz4 (migration 0015), which took a third off writing the entries.
_EXPIRE_BATCH = """
    WITH candidates AS (
        SELECT ctid, customer_id, id, remaining FROM points_lots
        WHERE tenant_id = :tenant_id AND remaining > 0 AND expires_at <= :now
        LIMIT :limit + 1
        FOR UPDATE SKIP LOCKED
    ), due AS (
        SELECT ctid, customer_id, id, remaining FROM candidates LIMIT :limit
    ), zeroed AS (
        UPDATE points_lots SET expired = expired + remaining, remaining = 0
        WHERE ctid = ANY(ARRAY(SELECT ctid FROM due))
        RETURNING 1
    ), per_customer AS (
        SELECT customer_id, -sum(remaining) AS points,
               CAST('[' || string_agg('{{"lot_id": ' || to_json(id) || ', "points": ' || remaining || '}}', ', ')
                    || ']' AS jsonb) AS draws,
               sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())) AS random_bytes
        FROM due GROUP BY customer_id
    ), entries AS MATERIALIZED (
        SELECT :tenant_id AS tenant_id, {entry_id} AS id, customer_id, points, draws FROM per_customer
    ), written AS (
        INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, draws, created_at)
        SELECT tenant_id, id, customer_id, 'expire', points, 'expire:' || id, draws, :now FROM entries
    )
    SELECT count(*), (SELECT count(*) FROM zeroed), (SELECT count(*) FROM candidates) > :limit FROM due
"""


class ExpiryRaced(RuntimeError):
    """A batch's UPDATE zeroed fewer lots than it chose (one changed since the statement began): nothing of
    it is kept, and the job runs again."""


def _expire_batch_in_one_statement(session: Session, *, tenant_id: str, now: datetime, limit: int) -> Expired:
    statement = text(_EXPIRE_BATCH.format(entry_id=sql_new_id("pte", random_bytes="random_bytes")))
    lots, zeroed, more = session.execute(statement, {"tenant_id": tenant_id, "now": now, "limit": limit}).one()
    if zeroed != lots:
        raise ExpiryRaced(f"expiry chose {lots} lots but zeroed {zeroed}; the batch is rolled back")
    return Expired(lots, more=more)


def _due(tenant_id: str, now: datetime, limit: int):
    return (
        select(_LOTS.c.tenant_id, _LOTS.c.id, _LOTS.c.customer_id, _LOTS.c.remaining)
        .where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.remaining > 0, _LOTS.c.expires_at <= now)
        .order_by(_LOTS.c.expires_at, _LOTS.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    )


def _zero_selected_batch(session: Session, *, tenant_id: str, now: datetime,
                         limit: int) -> tuple[list[Row], bool]:
    """SQLite (whose RETURNING sees only the updated table): read the batch (and one due lot more, to say
    whether more are due), then zero it by id. SQLite has one writer at a time: a write between the two
    statements fails this run, which retries."""
    candidates = session.execute(_due(tenant_id, now, limit + 1)).all()
    batch = candidates[:limit]
    if batch:
        session.execute(
            update(_LOTS).where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.id.in_([lot.id for lot in batch]))
            .values(expired=_LOTS.c.expired + _LOTS.c.remaining, remaining=0)
        )
    return batch, len(candidates) > limit


_EXPIRE_BATCH_BY_DIALECT = {"postgresql": _expire_batch_in_one_statement}
