"""Running periodic work in loyalty's API tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import clock, jobs
from core.db import unit_of_work


def run_periodic_later(task: str, *, after: timedelta, every: timedelta = timedelta(hours=1)) -> None:
    """Schedule and run periodic work `after` from now, in a time slot of `task` (every `every`) that no
    earlier test claimed (a slot fans out once, whichever test got there first). Only `task` fans out: every
    periodic task for every tenant the session has made would be minutes of jobs with nothing to do."""
    with unit_of_work() as session:
        claimed = set(session.scalars(select(jobs.SchedulerTick.slot).where(jobs.SchedulerTick.name == task)))
    while int((clock.now() + after).timestamp() // every.total_seconds()) in claimed:
        after += every
    with clock.travel(after):
        jobs.schedule_periodic(only={task})
        jobs.run_due()
