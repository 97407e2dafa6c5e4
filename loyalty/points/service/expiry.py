"""Expiring what is left of due lots: set-based, one batch per transaction, one tenant at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsEntry, PointsLot

# Lot ids are "plt_" + 8 time characters + 16 random ones (core.ids): an expiry entry's id is "pte_", the
# batch's time and the lot's random part, so it is unique and sorts with the other entries by time.
_LOT_RANDOM_PART_STARTS_AT = len("plt_") + 8 + 1  # 1-based, for SQL substr()


def expire_due_lots(session: Session, *, now: datetime, limit: int) -> int:
    """Expire what is left of up to `limit` due lots of the current tenant; returns how many lots.

    Raw SQL on tenant tables, so it names tenant_id itself. Three statements whatever the batch size: lock
    the batch (skipping lots a customer's operation holds; the next run takes them), write one `expire`
    entry per lot from a SELECT, and zero the lots.
    """
    tenant_id = require_tenant_id()
    lots, entries = PointsLot.__table__, PointsEntry.__table__
    due = (lots.c.tenant_id == tenant_id) & (lots.c.remaining > 0) & (lots.c.expires_at <= now)
    batch = list(session.scalars(
        select(lots.c.id).where(due).order_by(lots.c.expires_at, lots.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    ))
    if not batch:
        return 0
    in_batch = due & lots.c.id.in_(batch)
    stamp = new_id("pte")[:12]  # "pte_" + this batch's time
    lot_random_part = func.substr(lots.c.id, _LOT_RANDOM_PART_STARTS_AT)
    session.execute(entries.insert().from_select(
        ["tenant_id", "id", "customer_id", "kind", "points", "source", "lot_id", "expires_at", "created_at"],
        select(
            lots.c.tenant_id, literal(stamp) + lot_random_part, lots.c.customer_id, literal("expire"),
            -lots.c.remaining, literal("expire:") + lots.c.id + literal(":" + stamp[4:]), lots.c.id,
            lots.c.expires_at, literal(now, PointsEntry.created_at.type),
        ).where(in_batch),
    ))
    session.execute(update(lots).where(in_batch).values(expired=lots.c.expired + lots.c.remaining, remaining=0))
    return len(batch)
