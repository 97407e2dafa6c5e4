"""RQ mode: hand due intents to RQ. RQ only transports; the outbox row stays the truth."""

from __future__ import annotations

import hashlib

from sqlalchemy import update

from core import clock
from core.db import unit_of_work
from core.jobs.due import due_ids
from core.jobs.models import OutboxJob
from core.jobs.modes import runtime

# What RQ workers call, by name (importable as `core.jobs.execute`).
EXECUTE = "core.jobs.execute"


def rq_job_id(outbox_id: str) -> str:
    """RQ allows only [A-Za-z0-9_-] in job ids; our keys read like "order:ord_…:expire"."""
    return "outbox-" + hashlib.sha256(outbox_id.encode()).hexdigest()[:40]


def relay_due(*, limit: int = 500, ids: list[str] | None = None) -> int:
    """RQ mode: hand due, not yet enqueued intents (all, or those of `ids`) to RQ; returns how many.

    The RQ enqueue happens before our commit: a crash in between enqueues again later, and
    `execute` makes the second run a no-op, so nothing is lost and nothing happens twice.
    """
    handed = 0
    while True:
        with unit_of_work() as session:
            due = due_ids(session, limit=limit, ids=ids, for_relay=True)
            queue = runtime.queue()
            for job_id in due:
                queue.enqueue(EXECUTE, job_id, job_id=rq_job_id(job_id), result_ttl=3600, failure_ttl=86400)
            if due:
                session.execute(
                    update(OutboxJob).where(OutboxJob.id.in_(due)).values(enqueued_at=clock.now())
                )
        handed += len(due)
        if len(due) < limit:
            return handed
