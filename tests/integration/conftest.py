"""Integration fixtures: real Redis with real RQ worker processes, a live HTTP server, localstripe.

A `pytestmark` here would mark nothing (pytest reads it from test modules only): each integration test
module marks itself, and tests/unit/foundation/test_markers.py checks that every one does."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis

from core import jobs
from tests.conftest import ENCRYPTION_KEYS, REDIS_URL
from tests.support.factories import PLATFORM_TOKEN
from tests.support.processes import LiveServer, Localstripe, WorkerProcess


@pytest.fixture(scope="session")
def redis_url():
    connection = Redis.from_url(REDIS_URL)
    connection.ping()
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()


@pytest.fixture
def rq_mode(redis_url):
    """Jobs leave this process through Redis to real `flask worker` processes; restored afterwards."""
    saved = (jobs.runtime.mode, jobs.runtime.redis_url, jobs.runtime.queue_name, jobs.runtime._queue)
    jobs.runtime.mode = "rq"
    jobs.runtime.redis_url = redis_url
    jobs.runtime.queue_name = f"fission-test-{uuid.uuid4().hex[:8]}"
    jobs.runtime._queue = None
    yield jobs.runtime
    jobs.runtime.mode, jobs.runtime.redis_url, jobs.runtime.queue_name, jobs.runtime._queue = saved


@pytest.fixture
def worker_env(database_url, rq_mode) -> dict:
    """The environment a worker subprocess needs to share this test's database and queue."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": rq_mode.redis_url,
        "FISSION_QUEUE": rq_mode.queue_name,
        "FISSION_JOBS_MODE": "rq",
        "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN,
        "SECRET_KEY": "test-secret-key",
        "FISSION_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def start_worker(worker_env):
    """Start real worker processes: `start_worker()` runs until the test ends, `burst=True` drains and exits.

    Their scheduler is off unless asked for (`scheduler=True`): the test database holds every tenant the
    session has made, and a worker fanning periodic work out to all of them would spend the test's time
    on other tests' tenants. A test that needs periodic work runs it for its own tenant.
    """
    started = []

    def start(*, burst: bool = False, scheduler: bool = False, **extra_env) -> WorkerProcess:
        env = {**worker_env, "FISSION_SCHEDULER": "on" if scheduler else "off", **extra_env}
        worker = WorkerProcess(env, burst=burst).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def localstripe():
    server = Localstripe().start()
    yield server
    server.stop()
