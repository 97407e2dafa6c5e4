"""Anti-guessing with Redis configured: failures counted in a sorted set per credential; when Redis cannot be
reached, in the database instead, so guessing stays limited."""

from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import func, select

from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.vouchers import guessing
from loyalty.vouchers.models import VoucherGuess
from tests.api.loyalty.vouchers import pool_with_codes, unique_code, verify

pytestmark = pytest.mark.integration


@pytest.fixture
def counting_in(redis_url):
    """Point the guess counter at a Redis for the test; restored afterwards."""
    saved = guessing.runtime.redis_url

    def use(url):
        guessing.runtime.configure(url)

    yield use
    guessing.runtime.configure(saved)


def guesses_in_database(tenant_id: str) -> int:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalar(select(func.count()).select_from(VoucherGuess))


def test_failures_are_counted_in_redis_per_credential(tenant, redis_url, counting_in):
    counting_in(redis_url)
    tenant.settings({"vouchers": {"max_failed_lookups": 3}})
    pool_with_codes(tenant, ["REDIS001"])
    guesser = tenant.key("staff")

    for _ in range(3):
        verify(guesser, unique_code(), expect=404)
    blocked = guesser.post("/v1/admin/vouchers/verify", {"code": "REDIS001"})

    assert (blocked.status_code, blocked.get_json()["reason"]) == (429, "too_many_attempts")
    assert 590 <= int(blocked.headers["Retry-After"]) <= 600
    keys = list(Redis.from_url(redis_url).scan_iter(f"fission:voucher-guesses:{tenant.id}:*"))
    assert len(keys) == 1 and Redis.from_url(redis_url).zcard(keys[0]) == 3
    assert 0 < Redis.from_url(redis_url).ttl(keys[0]) <= 601
    assert guesses_in_database(tenant.id) == 0
    assert verify(tenant.key("staff"), "REDIS001")["status"] == "redeemed"


def test_with_redis_unreachable_failures_are_counted_in_the_database(tenant, counting_in):
    counting_in("redis://127.0.0.1:1/0")  # nothing listens there
    tenant.settings({"vouchers": {"max_failed_lookups": 2}})
    pool_with_codes(tenant, ["DOWN0001"])
    guesser = tenant.key("staff")

    for _ in range(2):
        verify(guesser, unique_code(), expect=404)
    blocked = guesser.post("/v1/admin/vouchers/lookup", {"code": "DOWN0001"})

    assert blocked.status_code == 429
    assert guesses_in_database(tenant.id) == 2
