"""Background jobs through a transactional outbox.

A job intent is a row written in the caller's transaction (`enqueue`). After commit it is handed
on: to RQ (`rq` mode, relayed by `flask worker`), or run in this process (`inline`: a background
thread; `eager`: right after the commit, for tests). A rolled-back transaction leaves no row, so
nothing runs; a crash after commit leaves the row, so the relay still hands it on.

`execute` runs a job exactly once in effect: it locks the outbox row, skips it if already done,
runs the job function in the same transaction as marking it done, inside the job's tenant scope.
Failures are retried with exponential backoff by the outbox itself (durable in the database), so
neither delays nor retries depend on RQ's scheduler.

One file per part: `models` (the tables), `registry` (`@job`, `@periodic`), `modes` (the runtime),
`outbox` (`enqueue`, the after-commit hand-off), `due` (which intents are due), `relay` (to RQ),
`runner` (`execute`, `run_due`), `scheduler` (periodic fan-out). The names below are the API.
"""

from core.jobs.models import OutboxJob, SchedulerTick
from core.jobs.modes import JobRuntime, runtime
from core.jobs.outbox import enqueue, intent, rearm_skipped, set_inline_wakeup
from core.jobs.registry import MAX_ATTEMPTS, JobSpec, PeriodicSpec, job, periodic, periodic_specs, registered_jobs
from core.jobs.relay import relay_due, rq_job_id
from core.jobs.runner import BACKOFF_SECONDS, execute, run_due
from core.jobs.scheduler import schedule_periodic

__all__ = [
    "BACKOFF_SECONDS", "MAX_ATTEMPTS", "JobRuntime", "JobSpec", "OutboxJob", "PeriodicSpec", "SchedulerTick",
    "enqueue", "execute", "intent", "job", "periodic", "periodic_specs", "rearm_skipped", "registered_jobs",
    "relay_due", "rq_job_id",
    "run_due", "runtime", "schedule_periodic", "set_inline_wakeup",
]
