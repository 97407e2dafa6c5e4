"""Redis keeps nothing on disk: restarted empty, it forgets every job handed to it. The outbox hands an intent
again once it has been with RQ for two minutes without being done, and running it twice has one effect."""

from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import update

import tests.support.jobs  # noqa: F401 - registers test.create_customer in this process too
from core import clock, jobs
from core.db import unit_of_work
from core.jobs import OutboxJob
from tests.integration.foundation.test_outbox_with_rq import JOB_MODULES, effects, enqueue, outbox_row
from tests.support.processes import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis(rq_mode, tmp_path):
    """Jobs go through a Redis of this test's own, which the test may restart empty."""
    server = RedisServer(str(tmp_path)).start()
    rq_mode.redis_url, rq_mode._queue = server.url, None
    yield server
    server.stop()


def queued(runtime) -> list[str]:
    return Queue(runtime.queue_name, connection=Redis.from_url(runtime.redis_url)).job_ids


def two_minutes_pass(job_ids):
    """The intents were handed to RQ more than two minutes ago (the relay reads the database's clock)."""
    with unit_of_work() as session:
        session.execute(update(OutboxJob).where(OutboxJob.id.in_(job_ids))
                        .values(enqueued_at=clock.now() - timedelta(minutes=2, seconds=5)))


def test_jobs_queued_when_redis_restarts_empty_are_handed_again_and_run_once(rq_mode, own_redis, tenant,
                                                                            start_worker):
    job_ids = [enqueue(tenant.id, f"lost-{n}-") for n in range(4)]
    assert sorted(queued(rq_mode)) == sorted(jobs.rq_job_id(job_id) for job_id in job_ids)

    own_redis.restart()
    assert queued(rq_mode) == []
    two_minutes_pass(job_ids)
    output = start_worker(burst=True, REDIS_URL=own_redis.url, **JOB_MODULES).wait()

    assert [effects(tenant.id, f"lost-{n}-") for n in range(4)] == [1, 1, 1, 1], output
    assert all(outbox_row(job_id).completed_at is not None for job_id in job_ids)


def test_a_job_still_waiting_in_rq_is_not_handed_twice(rq_mode, own_redis, tenant):
    job_id = enqueue(tenant.id, "waiting-")
    two_minutes_pass([job_id])

    jobs.relay_due()

    assert queued(rq_mode) == [jobs.rq_job_id(job_id)]
    assert outbox_row(job_id).enqueued_at > clock.now() - timedelta(minutes=1)  # looked at again in two minutes


def test_a_job_handed_again_while_its_first_delivery_runs_has_one_effect(rq_mode, own_redis, tenant, start_worker):
    job_id = enqueue(tenant.id, "twice-")
    own_redis.restart()
    two_minutes_pass([job_id])
    jobs.relay_due()  # handed again: RQ lost the first delivery
    rq_mode.queue().enqueue("core.jobs.execute", job_id)  # and the first turns up after all

    output = start_worker(burst=True, REDIS_URL=own_redis.url, **JOB_MODULES).wait()

    assert effects(tenant.id, "twice-") == 1, output
