"""Running one intent once in effect (`execute`, what RQ workers call), and running due intents here."""

from __future__ import annotations

import logging
import traceback
from contextlib import nullcontext
from datetime import timedelta

from sqlalchemy import select, update

from core import clock
from core.db import unit_of_work
from core.jobs import registry
from core.jobs.due import due_ids
from core.jobs.models import OutboxJob
from core.jobs.modes import runtime
from core.tenancy import tenant_scope

log = logging.getLogger("fission.jobs")

BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200]


def run_due(*, limit: int = 500, tenant_id: str | None = None, ids: list[str] | None = None) -> int:
    """Inline and eager modes: run due intents (all, a tenant's, or those of `ids`) here; returns how many."""
    ran = 0
    while True:
        with unit_of_work() as session:
            due = due_ids(session, limit=limit, tenant_id=tenant_id, ids=ids, for_relay=False)
        for job_id in due:
            try:
                execute(job_id)
            except Exception:  # recorded on the row by execute(), with its retry time; go on with the rest
                log.exception("job %s failed", job_id)
        ran += len(due)
        if len(due) < limit:
            return ran


def execute(job_id: str) -> str:
    """Run one job intent once in effect; returns its outcome. This is what RQ workers call.

    A job runs in the transaction that marks its intent done, under the intent's row lock, so a
    second delivery finds it done. A job with its own transactions runs after that lock is let go
    (it calls outside services, never inside a transaction) and is marked done after; its writes,
    guarded on state, make a second run harmless.
    """
    try:
        with unit_of_work() as session:
            lock = select(OutboxJob).where(OutboxJob.id == job_id).with_for_update()
            row = session.scalars(lock).one_or_none()
            if row is None or row.completed_at or row.failed_at:
                return "done"
            if row.tenant_id and not runtime.tenant_is_active(session, row.tenant_id):
                row.skipped_at = clock.now()
                return "skipped"
            spec = registry.spec(row.name)
            tenant_id, kwargs = row.tenant_id, dict(row.kwargs)
            if not spec.own_transactions:
                with _scope(tenant_id):
                    spec.func(session, **kwargs)
                    session.flush()
                row.attempts += 1
                row.completed_at = clock.now()
                return "completed"
        with _scope(tenant_id):
            spec.func(**kwargs)
        _mark_completed(job_id)
        return "completed"
    except Exception as error:
        _record_failure(job_id, error)
        raise


def _scope(tenant_id: str | None):
    return tenant_scope(tenant_id) if tenant_id else nullcontext()


def _mark_completed(job_id: str) -> None:
    with unit_of_work() as session:
        session.execute(
            update(OutboxJob).where(OutboxJob.id == job_id, OutboxJob.completed_at.is_(None))
            .values(completed_at=clock.now(), attempts=OutboxJob.attempts + 1)
        )


def _record_failure(job_id: str, error: Exception) -> None:
    log.warning("job %s failed: %s", job_id, error)
    with unit_of_work() as session:
        row = session.scalars(select(OutboxJob).where(OutboxJob.id == job_id).with_for_update()).one_or_none()
        if row is None:
            return
        spec = registry.spec(row.name)
        row.attempts += 1
        row.last_error = "".join(traceback.format_exception_only(type(error), error))[-2000:]
        if spec is None or row.attempts >= spec.max_attempts:
            row.failed_at = clock.now()
        else:
            delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            row.run_at = clock.now() + timedelta(seconds=delay)
            row.enqueued_at = None
