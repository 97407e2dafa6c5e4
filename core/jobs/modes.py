"""How jobs leave the process (`rq`, `inline`, `eager`), set once by the application factory."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass
class JobRuntime:
    """How jobs leave the process; set by the application factory."""

    mode: str = "eager"  # "rq" | "inline" | "eager"
    redis_url: str | None = None
    queue_name: str = "fission"
    # Whether this process's job loops also fan periodic work out (several may: the slot claim keeps it
    # once per slot). Off on workers that should only run jobs, and in tests that must not wake every
    # tenant of a shared database.
    scheduler_enabled: bool = True
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
