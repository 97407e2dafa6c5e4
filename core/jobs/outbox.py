"""Writing job intents in the caller's transaction, and handing on what a transaction wrote once it commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from core.db import after_commit, insert_ignoring_conflicts
from core.ids import new_id
from core.jobs import registry
from core.jobs.models import OutboxJob
from core.jobs.modes import runtime
from core.jobs.relay import relay_due
from core.jobs.runner import run_due
from core.tenancy import current_tenant_id
from core.writes import NewRow

log = logging.getLogger("fission.jobs")


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
    Only an intent due now is handed on after commit; a later one waits for the relay loop.
    """
    job_id, row = _intent_row(name, key=key, run_at=run_at, tenant_id=tenant_id, kwargs=kwargs)
    insert_ignoring_conflicts(session, OutboxJob.__table__, row, index_elements=["id"])
    _hand_on_if_due(session, row)
    return job_id


def intent(session: Session, name: str, *, key: str | None = None, run_at: datetime | None = None,
           tenant_id: str | None = None, **kwargs):
    """`enqueue` as a row for the caller to write with its own, in one round trip (core.writes.write_new);
    it must be written in this session's transaction. Same key, same no-op."""
    _job_id, row = _intent_row(name, key=key, run_at=run_at, tenant_id=tenant_id, kwargs=kwargs)
    _hand_on_if_due(session, row)
    return NewRow(OutboxJob.__table__, row, skip_conflicts_on=("id",))


def _intent_row(name: str, *, key: str | None, run_at: datetime | None, tenant_id: str | None,
                kwargs: dict) -> tuple[str, dict]:
    if registry.spec(name) is None:
        raise KeyError(f"unknown job {name!r}")
    job_id, now = key or new_id("job"), clock.now()
    return job_id, {"id": job_id, "tenant_id": tenant_id or current_tenant_id(), "name": name, "kwargs": kwargs,
                    "run_at": run_at or now, "created_at": now, "attempts": 0}


def _hand_on_if_due(session: Session, row: dict) -> None:
    # A job due later is no business of the hand-off: the relay loop (or the in-process runner's poll) finds
    # it when it falls due. Handing it on would cost every checkout a transaction that finds nothing to do.
    if row["run_at"] <= row["created_at"]:
        _hand_on_after_commit(session, [row["id"]])


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
