"""Distribution's integration tests start long-running workers against the session's shared database,
which by then holds hundreds of other tests' tenants: a worker's scheduler would first fan every
periodic task out to each of them (minutes of work on two busy cores) before reaching this test's jobs.
Claiming the scheduler's slots for the test's duration keeps that fan-out away; the claims are removed
afterwards, so later tests see the scheduler as it was."""

from __future__ import annotations

import time

import psycopg
import pytest

from core import jobs

QUIET_FOR_SECONDS = 30 * 60


@pytest.fixture(autouse=True)
def quiet_scheduler(database_url):
    now = time.time()
    wanted = [(spec.name, slot) for spec in jobs._periodic.values()  # noqa: SLF001 - the scheduler's own table
              for every in [spec.every.total_seconds()]
              for slot in range(int(now // every), int((now + QUIET_FOR_SECONDS) // every) + 1)]
    with psycopg.connect(database_url, autocommit=True) as connection:
        claimed = [claim for claim in wanted if connection.execute(
            "INSERT INTO scheduler_ticks (name, slot, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT DO NOTHING RETURNING name", claim).fetchone()]
    yield
    with psycopg.connect(database_url, autocommit=True) as connection:
        for name, slot in claimed:
            connection.execute("DELETE FROM scheduler_ticks WHERE name = %s AND slot = %s", (name, slot))
