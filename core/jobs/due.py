"""Which intents are due: the one query the relay and the in-process runner share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.db import database
from core.jobs.models import OutboxJob


def due_ids(session: Session, *, limit: int, tenant_id: str | None = None, ids: list[str] | None = None,
            for_relay: bool) -> list[str]:
    """Ids of due intents not yet done, oldest first; for the relay, only those not handed to RQ yet."""
    query = (
        select(OutboxJob.id)
        .where(OutboxJob.completed_at.is_(None), OutboxJob.failed_at.is_(None), OutboxJob.skipped_at.is_(None))
        .where(OutboxJob.run_at <= clock.now())
        .order_by(OutboxJob.run_at)
        .limit(limit)
    )
    if for_relay:
        query = query.where(OutboxJob.enqueued_at.is_(None))
    if tenant_id is not None:
        query = query.where(OutboxJob.tenant_id == tenant_id)
    if ids is not None:
        query = query.where(OutboxJob.id.in_(ids))
    if database.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
