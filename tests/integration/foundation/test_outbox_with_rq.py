"""The outbox against real Redis and real `flask worker` processes."""


import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

import tests.support.jobs  # noqa: F401 - registers test.create_customer in this process too
from core import jobs
from core.db import unit_of_work
from core.jobs import OutboxJob
from core.tenancy import tenant_scope
from tenants.customers.models import Customer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

JOB_MODULES = {"FISSION_JOB_MODULES": "tests.support.jobs"}


def effects(tenant_id, marker):
    with tenant_scope(tenant_id), unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Customer).where(Customer.openid.startswith(marker)))


def outbox_row(job_id):
    with unit_of_work() as session:
        return session.get(OutboxJob, job_id)


def enqueue(tenant_id, marker):
    with tenant_scope(tenant_id), unit_of_work() as session:
        return jobs.enqueue(session, "test.create_customer", marker=marker)


def queued_ids(runtime):
    return Queue(runtime.queue_name, connection=Redis.from_url(runtime.redis_url)).job_ids


def test_a_committed_job_reaches_rq_and_a_worker_runs_it(rq_mode, tenant, start_worker):
    job_id = enqueue(tenant.id, "rq-committed")
    assert jobs.rq_job_id(job_id) in queued_ids(rq_mode)

    output = start_worker(burst=True, **JOB_MODULES).wait()

    assert effects(tenant.id, "rq-committed") == 1, output
    assert outbox_row(job_id).completed_at is not None


def test_a_rolled_back_job_never_reaches_rq(rq_mode, tenant):
    try:
        with tenant_scope(tenant.id), unit_of_work() as session:
            job_id = jobs.enqueue(session, "test.create_customer", marker="rq-rolled-back")
            raise RuntimeError("fails after enqueuing")
    except RuntimeError:
        pass

    assert jobs.rq_job_id(job_id) not in queued_ids(rq_mode)
    assert outbox_row(job_id) is None


def test_a_job_delivered_twice_has_one_effect(rq_mode, tenant, start_worker):
    job_id = enqueue(tenant.id, "rq-twice")
    rq_mode.queue().enqueue("core.jobs.execute", job_id)  # a second delivery, as after a relay crash

    output = start_worker(burst=True, **JOB_MODULES).wait()

    assert effects(tenant.id, "rq-twice") == 1, output


def test_a_job_whose_hand_off_failed_is_relayed_by_the_worker(rq_mode, tenant, start_worker):
    real_redis = rq_mode.redis_url
    rq_mode.redis_url, rq_mode._queue = "redis://127.0.0.1:1/0", None  # Redis unreachable at commit
    try:
        job_id = enqueue(tenant.id, "rq-lost-hand-off")
    finally:
        rq_mode.redis_url, rq_mode._queue = real_redis, None
    assert outbox_row(job_id).enqueued_at is None

    output = start_worker(burst=True, **JOB_MODULES).wait()

    assert effects(tenant.id, "rq-lost-hand-off") == 1, output


def test_a_suspended_tenants_job_is_skipped_by_the_worker(rq_mode, platform, tenant, start_worker):
    platform.post(f"/v1/platform/tenants/{tenant.id}/suspend", expect=200)
    job_id = enqueue(tenant.id, "rq-suspended")

    output = start_worker(burst=True, **JOB_MODULES).wait()

    assert effects(tenant.id, "rq-suspended") == 0, output
    assert outbox_row(job_id).skipped_at is not None


def test_a_running_worker_picks_up_new_jobs(rq_mode, tenant, start_worker):
    start_worker(**JOB_MODULES)

    enqueue(tenant.id, "rq-live-1")
    enqueue(tenant.id, "rq-live-2")

    assert wait_until(lambda: effects(tenant.id, "rq-live-") == 2)


def test_readyz_checks_redis_when_jobs_go_through_it(rq_mode, anonymous):
    body = anonymous.get("/readyz", expect=200).get_json()

    assert body["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(rq_mode, anonymous):
    rq_mode.redis_url = "redis://127.0.0.1:1/0"

    body = anonymous.get("/readyz", expect=503).get_json()

    assert body["reason"] == "not_ready" and body["checks"]["redis"].startswith("error")
