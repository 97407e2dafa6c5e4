"""Anti-guessing: every unknown code a credential tries is counted over a sliding 10 minutes; once
`vouchers.max_failed_lookups` are counted, its lookups, verifications and voucher checkouts are refused
(429 `too_many_attempts`, with `Retry-After`) until enough of them have slid out of the window.

The count lives in Redis when the app has `REDIS_URL` (a sorted set of timestamps per credential), else in
the database (`voucher_guesses`). A failure is recorded outside the request's transaction — the refusal
that follows rolls that transaction back, and the guess must still count. If Redis cannot be reached, the
database serves instead: guessing stays limited while Redis is down.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import clock
from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.vouchers.errors import TooManyAttempts
from loyalty.vouchers.models import VoucherGuess
from loyalty.vouchers.settings import voucher_rules

log = logging.getLogger("fission.vouchers.guessing")

WINDOW = timedelta(minutes=10)


class _Runtime:
    """Where the counts live; set from the app's REDIS_URL when the vouchers blueprint is registered."""

    def __init__(self):
        self.redis_url: str | None = None
        self._client = None
        self._client_url: str | None = None

    def configure(self, redis_url: str | None) -> None:
        self.redis_url = redis_url or None

    def redis(self):
        if self.redis_url is None:
            return None
        if self._client is None or self._client_url != self.redis_url:
            self._client = Redis.from_url(self.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
            self._client_url = self.redis_url
        return self._client


runtime = _Runtime()


def remember_app(state) -> None:
    """Blueprint hook: count in the Redis of the app's `REDIS_URL`, if it has one."""
    runtime.configure(state.app.config.get("REDIS_URL"))


def refuse_if_blocked(session: Session, *, credential: str) -> None:
    """TooManyAttempts if this credential has tried `max_failed_lookups` unknown codes within the window."""
    now = clock.now()
    stamps = _recent_failures(session, credential=credential, now=now)
    if not stamps:
        return  # the common case: no need to read the tenant's settings (the limit is at least 1)
    limit = voucher_rules(session)["max_failed_lookups"]
    if len(stamps) >= limit:
        # The window slides: this credential may try again once the oldest failures that keep it at the
        # limit have left the window.
        frees_at = stamps[len(stamps) - limit] + WINDOW.total_seconds()
        raise TooManyAttempts(max(1, math.ceil(frees_at - now.timestamp())))


def count_failure(*, credential: str) -> None:
    """Count an unknown code against this credential (committed at once, whatever the request does next)."""
    now = clock.now()
    client = runtime.redis()
    if client is not None:
        try:
            key = _key(credential)
            pipeline = client.pipeline()
            pipeline.zadd(key, {f"{now.timestamp()}:{uuid.uuid4().hex[:8]}": now.timestamp()})
            pipeline.zremrangebyscore(key, "-inf", now.timestamp() - WINDOW.total_seconds())
            pipeline.expire(key, int(WINDOW.total_seconds()) + 1)
            pipeline.execute()
            return
        except Exception:  # Redis is down: count in the database rather than not at all
            log.warning("Redis unreachable; counting a failed voucher lookup in the database", exc_info=True)
    with unit_of_work() as session:
        session.add(VoucherGuess(id=new_id("vgs"), credential=credential, created_at=now))


def purge_old_guesses(session: Session) -> int:
    """Forget the database's failures that left the window; returns how many."""
    cutoff = clock.now() - WINDOW
    return session.execute(delete(VoucherGuess).where(VoucherGuess.created_at <= cutoff)).rowcount


def _recent_failures(session: Session, *, credential: str, now: datetime) -> list[float]:
    """Unix times of this credential's failures within the window, oldest first."""
    client = runtime.redis()
    if client is not None:
        try:
            key = _key(credential)
            pipeline = client.pipeline()
            pipeline.zremrangebyscore(key, "-inf", now.timestamp() - WINDOW.total_seconds())
            pipeline.zrange(key, 0, -1, withscores=True)
            return sorted(score for _member, score in pipeline.execute()[1])
        except Exception:
            log.warning("Redis unreachable; reading failed voucher lookups from the database", exc_info=True)
    return sorted(created_at.timestamp() for created_at in session.scalars(
        select(VoucherGuess.created_at)
        .where(VoucherGuess.credential == credential, VoucherGuess.created_at > now - WINDOW)
    ))


def _key(credential: str) -> str:
    return f"fission:voucher-guesses:{require_tenant_id()}:{credential}"
