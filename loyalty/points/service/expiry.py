"""Expiring what is left of due lots: set-based, one batch per transaction, one tenant at a time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsEntry, PointsLot

_LOTS = PointsLot.__table__


def expire_due_lots(session: Session, *, now: datetime, limit: int) -> int:
    """Expire what is left of up to `limit` due lots of the current tenant; returns how many lots.

    Raw SQL on tenant tables, so it names tenant_id itself. Set-based, whatever the batch size: zero a
    batch of due lots, locked as it is chosen (skipping lots a customer's operation holds; the next run
    takes them), then insert one `expire` entry per customer for what the batch took (its lots in `draws`).
    """
    tenant_id = require_tenant_id()
    zero_batch = _ZERO_BATCH.get(session.get_bind().dialect.name, _zero_selected_batch)
    expired = zero_batch(session, tenant_id=tenant_id, now=now, limit=limit)
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


def _due(tenant_id: str, now: datetime, limit: int):
    return (
        select(_LOTS.c.tenant_id, _LOTS.c.id, _LOTS.c.customer_id, _LOTS.c.remaining)
        .where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.remaining > 0, _LOTS.c.expires_at <= now)
        .order_by(_LOTS.c.expires_at, _LOTS.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    )


def _zero_batch_in_one_statement(session: Session, *, tenant_id: str, now: datetime, limit: int) -> list[Row]:
    """PostgreSQL: one UPDATE … FROM (the locked batch) RETURNING what each lot had left."""
    due = _due(tenant_id, now, limit).subquery("due")
    return session.execute(
        update(_LOTS)
        .where(_LOTS.c.tenant_id == due.c.tenant_id, _LOTS.c.id == due.c.id)
        .values(expired=_LOTS.c.expired + due.c.remaining, remaining=0)
        .returning(_LOTS.c.id, _LOTS.c.customer_id, due.c.remaining)
    ).all()


def _zero_selected_batch(session: Session, *, tenant_id: str, now: datetime, limit: int) -> list[Row]:
    """Elsewhere (SQLite, whose RETURNING sees only the updated table): read the batch, then zero it by id.
    SQLite has one writer at a time: a write between the two statements fails this run, which retries."""
    batch = session.execute(_due(tenant_id, now, limit)).all()
    if batch:
        session.execute(
            update(_LOTS).where(_LOTS.c.tenant_id == tenant_id, _LOTS.c.id.in_([lot.id for lot in batch]))
            .values(expired=_LOTS.c.expired + _LOTS.c.remaining, remaining=0)
        )
    return batch


_ZERO_BATCH = {"postgresql": _zero_batch_in_one_statement}
