"""Background jobs through a transactional outbox.

A job intent is a row written in the caller's transaction (`enqueue`). After commit it is handed
on: to RQ (`rq` mode, relayed by `flask worker`), or run in this process (`inline`: a background
thread; `eager`: right after the commit, for tests). A rolled-back transaction leaves no row, so
nothing runs; a crash after commit leaves the row, so the relay still hands it on.

`execute` runs a job exactly once in effect: it locks the outbox row, skips it if already done,
runs the job function in the same transaction as marking it done, inside the job's tenant scope.
Failures are retried with exponential backoff by the outbox itself (durable in the database), so
neither delays nor retries depend on RQ's scheduler.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.db import Base, PublicId, after_commit, database, insert_ignoring_conflicts, unit_of_work
from core.ids import new_id
from core.tenancy import current_tenant_id, tenant_scope

log = logging.getLogger("fission.jobs")

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200]


class OutboxJob(Base):
    """A job intent. Platform infrastructure: not tenant-scoped, but carries the job's tenant."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        Index("ix_job_outbox_due", "run_at",
              postgresql_where="completed_at IS NULL AND failed_at IS NULL AND skipped_at IS NULL"),
        Index("ix_job_outbox_tenant_id", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(PublicId)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict] = mapped_column(default=dict)
    run_at: Mapped[datetime]
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    skipped_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SchedulerTick(Base):
    """One row per periodic task and time slot, so several schedulers fan out each slot once."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable
    max_attempts: int


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    job_name: str
    every: timedelta


_jobs: dict[str, JobSpec] = {}
_periodic: dict[str, PeriodicSpec] = {}


@dataclass
class JobRuntime:
    """How jobs leave the process; set by the application factory."""

    mode: str = "eager"  # "rq" | "inline" | "eager"
    redis_url: str | None = None
    queue_name: str = "fission"
    # Wired by the app: is this tenant active? which tenants are active?
    tenant_is_active: Callable[[Session, str], bool] = lambda _s, _t: True
    active_tenant_ids: Callable[[Session], Iterable[str]] = lambda _s: []
    _queue: object = None

    def queue(self):
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            self._queue = Queue(self.queue_name, connection=Redis.from_url(self.redis_url))
        return self._queue


runtime = JobRuntime()


def job(name: str, *, max_attempts: int = MAX_ATTEMPTS):
    """Register `func(session, **kwargs)` as a job. It runs inside its tenant's scope and must not commit."""

    def register(func):
        _jobs[name] = JobSpec(name, func, max_attempts)
        return func

    return register


def periodic(name: str, *, every: timedelta):
    """Register a per-tenant job that the scheduler runs for every active tenant once per `every`."""

    def register(func):
        job(name)(func)
        _periodic[name] = PeriodicSpec(name, name, every)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_jobs)


def enqueue(
    session: Session,
    name: str,
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    tenant_id: str | None = None,
    **kwargs,
) -> str:
    """Write a job intent in the caller's transaction; it is handed on only after commit.

    `key` makes the intent unique: enqueuing the same key again is a no-op (returns the key).
    """
    if name not in _jobs:
        raise KeyError(f"unknown job {name!r}")
    job_id = key or new_id("job")
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        OutboxJob.__table__,
        {
            "id": job_id,
            "tenant_id": tenant_id or current_tenant_id(),
            "name": name,
            "kwargs": kwargs,
            "run_at": run_at or now,
            "created_at": now,
            "attempts": 0,
        },
        index_elements=["id"],
    )
    _hand_on_after_commit(session, [job_id])
    return job_id


def _hand_on_after_commit(session: Session, job_ids: list[str]) -> None:
    """Once `session` commits, hand on the intents it wrote — only those: the relay loop owns the rest."""
    pending = session.info.get("outbox_ids")
    if pending is not None:
        pending.extend(job_ids)
        return
    pending = session.info["outbox_ids"] = list(job_ids)

    def hand_on() -> None:
        # Best effort: if this fails, the rows are still there for the relay loop.
        try:
            if runtime.mode == "rq":
                relay_due(ids=pending)
            elif runtime.mode == "eager":
                run_due(ids=pending)
            else:
                _inline_wakeup()
        except Exception:  # the caller's change is committed; never fail it for the hand-off
            log.exception("outbox hand-off failed; the relay will retry")

    after_commit(session, hand_on)


def _inline_wakeup() -> None:
    """Replaced by the inline runner: wake it when new jobs were committed."""


def set_inline_wakeup(callback: Callable[[], None]) -> None:
    global _inline_wakeup
    _inline_wakeup = callback


def _due_ids(session: Session, *, limit: int, tenant_id: str | None = None, ids: list[str] | None = None,
             for_relay: bool) -> list[str]:
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
            due = _due_ids(session, limit=limit, ids=ids, for_relay=True)
            queue = runtime.queue()
            for job_id in due:
                queue.enqueue("core.jobs.execute", job_id, job_id=rq_job_id(job_id), result_ttl=3600,
                              failure_ttl=86400)
            if due:
                session.execute(
                    update(OutboxJob).where(OutboxJob.id.in_(due)).values(enqueued_at=clock.now())
                )
        handed += len(due)
        if len(due) < limit:
            return handed


def run_due(*, limit: int = 500, tenant_id: str | None = None, ids: list[str] | None = None) -> int:
    """Inline and eager modes: run due intents (all, a tenant's, or those of `ids`) here; returns how many."""
    ran = 0
    while True:
        with unit_of_work() as session:
            due = _due_ids(session, limit=limit, tenant_id=tenant_id, ids=ids, for_relay=False)
        for job_id in due:
            try:
                execute(job_id)
            except Exception:  # recorded on the row by execute(), with its retry time; go on with the rest
                log.exception("job %s failed", job_id)
        ran += len(due)
        if len(due) < limit:
            return ran


def execute(job_id: str) -> str:
    """Run one job intent once in effect; returns its outcome. This is what RQ workers call."""
    try:
        with unit_of_work() as session:
            lock = select(OutboxJob).where(OutboxJob.id == job_id).with_for_update()
            row = session.scalars(lock).one_or_none()
            if row is None or row.completed_at or row.failed_at:
                return "done"
            if row.tenant_id and not runtime.tenant_is_active(session, row.tenant_id):
                row.skipped_at = clock.now()
                return "skipped"
            spec = _jobs[row.name]
            if row.tenant_id:
                with tenant_scope(row.tenant_id):
                    spec.func(session, **row.kwargs)
                    session.flush()
            else:
                spec.func(session, **row.kwargs)
            row.attempts += 1
            row.completed_at = clock.now()
            return "completed"
    except Exception as error:
        _record_failure(job_id, error)
        raise


def _record_failure(job_id: str, error: Exception) -> None:
    log.warning("job %s failed: %s", job_id, error)
    with unit_of_work() as session:
        row = session.scalars(select(OutboxJob).where(OutboxJob.id == job_id).with_for_update()).one_or_none()
        if row is None:
            return
        spec = _jobs.get(row.name)
        row.attempts += 1
        row.last_error = "".join(traceback.format_exception_only(type(error), error))[-2000:]
        if spec is None or row.attempts >= spec.max_attempts:
            row.failed_at = clock.now()
        else:
            delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            row.run_at = clock.now() + timedelta(seconds=delay)
            row.enqueued_at = None


def rearm_skipped(session: Session, *, tenant_id: str) -> int:
    """Make a resumed tenant's skipped jobs due again; returns how many."""
    rearmed = list(session.scalars(
        update(OutboxJob)
        .where(OutboxJob.tenant_id == tenant_id, OutboxJob.skipped_at.is_not(None), OutboxJob.completed_at.is_(None))
        .values(skipped_at=None, enqueued_at=None, run_at=clock.now())
        .returning(OutboxJob.id)
    ))
    if rearmed:
        _hand_on_after_commit(session, rearmed)
    return len(rearmed)


_slots_seen: dict[str, int] = {}


def schedule_periodic() -> int:
    """Fan each periodic task out to every active tenant once per time slot; returns intents written."""
    written = 0
    now = clock.now()
    for spec in _periodic.values():
        slot = int(now.timestamp() // spec.every.total_seconds())
        if _slots_seen.get(spec.name) == slot:
            continue  # this process already claimed or saw this slot: no need to ask the database again
        _slots_seen[spec.name] = slot
        with unit_of_work() as session:
            claimed = insert_ignoring_conflicts(
                session,
                SchedulerTick.__table__,
                {"name": spec.name, "slot": slot, "created_at": now},
                index_elements=["name", "slot"],
            )
            if not claimed:
                continue
            for tenant_id in runtime.active_tenant_ids(session):
                enqueue(session, spec.job_name, key=f"{spec.name}:{tenant_id}:{slot}", tenant_id=tenant_id)
                written += 1
    return written
