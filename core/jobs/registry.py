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


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    job_name: str
    every: timedelta


_jobs: dict[str, JobSpec] = {}
_periodic: dict[str, PeriodicSpec] = {}


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


def spec(name: str) -> JobSpec | None:
    return _jobs.get(name)


def periodic_specs() -> list[PeriodicSpec]:
    return list(_periodic.values())
