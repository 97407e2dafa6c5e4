"""Periodic work: each periodic task fans out to every active tenant once per time slot."""

from __future__ import annotations

from collections.abc import Collection

from core import clock
from core.db import insert_ignoring_conflicts, unit_of_work
from core.jobs import registry
from core.jobs.models import SchedulerTick
from core.jobs.modes import runtime
from core.jobs.outbox import enqueue

_slots_seen: dict[str, int] = {}


def schedule_periodic(*, only: Collection[str] | None = None) -> int:
    """Fan each periodic task (or only those named) out to every active tenant once per time slot; returns
    intents written. `only` serves callers that want one task's slot now (tests, an operator's run)."""
    written = 0
    now = clock.now()
    for spec in registry.periodic_specs():
        if only is not None and spec.name not in only:
            continue
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
