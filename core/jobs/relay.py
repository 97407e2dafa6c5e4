"""RQ mode: hand due intents to RQ. RQ only transports; the outbox row stays the truth.

Redis may lose what it holds (a restart without persistence, a flush, an eviction). An intent handed
to RQ and still not done `REHAND_AFTER` later is handed again, unless RQ still has its job waiting or
running; `execute` makes a second delivery a no-op, so handing twice never runs anything twice.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from core import clock
from core.db import database, unit_of_work
from core.jobs.due import due_ids
from core.jobs.models import OutboxJob
from core.jobs.modes import runtime

# What RQ workers call, by name (importable as `core.jobs.execute`).
EXECUTE = "core.jobs.execute"
REHAND_AFTER = timedelta(minutes=2)
# RQ still has the job and will run it (or is running it): no need to hand it again.
_ALIVE = {"queued", "started", "deferred", "scheduled"}


def rq_job_id(outbox_id: str) -> str:
    """RQ allows only [A-Za-z0-9_-] in job ids; our keys read like "order:ord_…:expire"."""
    return "outbox-" + hashlib.sha256(outbox_id.encode()).hexdigest()[:40]


def relay_due(*, limit: int = 500, ids: list[str] | None = None) -> int:
    """RQ mode: hand due, not yet enqueued intents (all, or those of `ids`) to RQ; returns how many.

    The RQ enqueue happens before our commit: a crash in between enqueues again later, and
    `execute` makes the second run a no-op, so nothing is lost and nothing happens twice. The relay
    loop (no `ids`) also hands again what RQ lost.
    """
    handed = 0
    while True:
        with unit_of_work() as session:
            due = due_ids(session, limit=limit, ids=ids, for_relay=True)
            _hand(due)
            if due:
                session.execute(
                    update(OutboxJob).where(OutboxJob.id.in_(due)).values(enqueued_at=clock.now())
                )
        handed += len(due)
        if len(due) < limit:
            break
    if ids is None:
        handed += rehand_lost(limit=limit)
    return handed


def rehand_lost(*, limit: int = 500) -> int:
    """Hand again the intents RQ was given over `REHAND_AFTER` ago, not done, whose RQ job is gone; returns how many.

    Each one looked at (lost or not) gets a new `enqueued_at`, so it is looked at again after another
    `REHAND_AFTER`, not on every tick.
    """
    with unit_of_work() as session:
        query = (
            select(OutboxJob.id)
            .where(OutboxJob.completed_at.is_(None), OutboxJob.failed_at.is_(None), OutboxJob.skipped_at.is_(None))
            .where(OutboxJob.enqueued_at < clock.now() - REHAND_AFTER)
            .order_by(OutboxJob.enqueued_at)
            .limit(limit)
        )
        if database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)  # a running job holds its row: it is not lost
        stale = list(session.scalars(query))
        if not stale:
            return 0
        lost = _lost_by_rq(stale)
        _hand(lost)
        session.execute(update(OutboxJob).where(OutboxJob.id.in_(stale)).values(enqueued_at=clock.now()))
    return len(lost)


def _hand(job_ids: list[str]) -> None:
    queue = runtime.queue()
    for job_id in job_ids:
        queue.enqueue(EXECUTE, job_id, job_id=rq_job_id(job_id), result_ttl=3600, failure_ttl=86400)


def _lost_by_rq(job_ids: list[str]) -> list[str]:
    from rq.job import Job

    found = Job.fetch_many([rq_job_id(job_id) for job_id in job_ids], connection=runtime.queue().connection)
    return [job_id for job_id, job in zip(job_ids, found, strict=True)
            if job is None or job.get_status(refresh=False) not in _ALIVE]
