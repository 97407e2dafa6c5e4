"""Which jobs exist: `@job` and `@periodic` register functions by name at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable
    max_attempts: int
    # False: `func(session, **kwargs)` runs in the transaction that marks the intent done (exactly once).
    # True: `func(**kwargs)` opens its own units of work (it calls an outside service between them, which
    # must not happen inside a transaction) and must be safe to run twice: its writes are guarded on state.
    own_transactions: bool = False


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    job_name: str
    every: timedelta


_jobs: dict[str, JobSpec] = {}
_periodic: dict[str, PeriodicSpec] = {}


def job(name: str, *, max_attempts: int = MAX_ATTEMPTS, own_transactions: bool = False):
    """Register `func(session, **kwargs)` as a job. It runs inside its tenant's scope and must not commit.

    With `own_transactions=True` it is `func(**kwargs)`, still in its tenant's scope, and opens its own
    short units of work around calls to outside services (Stripe): no transaction is open during a call.
    """

    def register(func):
        _jobs[name] = JobSpec(name, func, max_attempts, own_transactions)
        return func

    return register


def periodic(name: str, *, every: timedelta, own_transactions: bool = False):
    """Register a per-tenant job that the scheduler runs for every active tenant once per `every`."""

    def register(func):
        job(name, own_transactions=own_transactions)(func)
        _periodic[name] = PeriodicSpec(name, name, every)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_jobs)


def spec(name: str) -> JobSpec | None:
    return _jobs.get(name)


def periodic_specs() -> list[PeriodicSpec]:
    return list(_periodic.values())
