import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

import tests.support.jobs  # noqa: F401 - registers test.create_customer
from core import clock, jobs
from core import worker as job_loops
from core.db import unit_of_work
from core.jobs import OutboxJob
from core.tenancy import tenant_scope
from tenants.customers.models import Customer


def effects(tenant_id, marker):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalar(select(func.count()).select_from(Customer).where(Customer.openid.startswith(marker)))


def outbox_row(job_id):
    with unit_of_work() as session:
        return session.get(OutboxJob, job_id)


def enqueue(tenant_id, marker, **kwargs):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return jobs.enqueue(session, "test.create_customer", marker=marker, **kwargs)


def test_a_job_runs_after_its_transaction_commits(tenant):
    job_id = enqueue(tenant.id, "committed")

    assert effects(tenant.id, "committed") == 1
    assert outbox_row(job_id).completed_at is not None


def test_a_rolled_back_transaction_leaves_no_job(tenant):
    try:
        with unit_of_work() as session, tenant_scope(tenant.id):
            job_id = jobs.enqueue(session, "test.create_customer", marker="rolled-back")
            raise RuntimeError("the change fails after enqueuing")
    except RuntimeError:
        pass

    assert outbox_row(job_id) is None
    assert effects(tenant.id, "rolled-back") == 0


def test_a_job_executed_twice_at_once_has_one_effect(tenant):
    job_id = enqueue(tenant.id, "twice", run_at=clock.now() + timedelta(hours=1))
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        jobs.execute(job_id)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs.execute(job_id)

    assert effects(tenant.id, "twice") == 1
    assert outbox_row(job_id).attempts == 1


def test_the_same_job_key_is_enqueued_once(tenant):
    enqueue(tenant.id, "keyed", key=f"keyed:{tenant.id}")
    enqueue(tenant.id, "keyed", key=f"keyed:{tenant.id}")

    assert effects(tenant.id, "keyed") == 1


def test_a_delayed_job_waits_for_its_time(tenant):
    enqueue(tenant.id, "later", run_at=clock.now() + timedelta(minutes=30))
    jobs.run_due(tenant_id=tenant.id)
    assert effects(tenant.id, "later") == 0

    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=tenant.id)

    assert effects(tenant.id, "later") == 1


def test_a_failing_job_is_retried_with_backoff_then_given_up(tenant):
    job_id = enqueue(tenant.id, "failing", fail=True)
    first = outbox_row(job_id)
    assert first.attempts == 1 and first.failed_at is None and first.run_at > clock.now()

    with clock.travel(timedelta(days=1)):
        jobs.run_due(tenant_id=tenant.id)
    with clock.travel(timedelta(days=2)):
        jobs.run_due(tenant_id=tenant.id)

    last = outbox_row(job_id)
    assert last.attempts == 3 and last.failed_at is not None and "asked to fail" in last.last_error


def test_a_suspended_tenants_job_is_skipped_and_runs_after_it_resumes(platform, tenant):
    platform.post(f"/v1/platform/tenants/{tenant.id}/suspend", expect=200)

    job_id = enqueue(tenant.id, "suspended")

    assert effects(tenant.id, "suspended") == 0
    assert outbox_row(job_id).skipped_at is not None
    platform.post(f"/v1/platform/tenants/{tenant.id}/resume", expect=200)
    assert effects(tenant.id, "suspended") == 1


def test_periodic_work_fans_out_once_per_slot_to_active_tenants_only(platform, tenant, other_tenant):
    platform.post(f"/v1/platform/tenants/{other_tenant.id}/suspend", expect=200)
    # A slot no other test has used, at the middle of its hour: the two calls must fall in one hourly slot (on a
    # slow machine, started a moment before the hour, they did not).
    later = clock.now() + timedelta(days=3650)
    middle = later.replace(minute=30, second=0, microsecond=0)

    with clock.travel(timedelta(days=3650) + (middle - later)):
        # One task is enough to see the fan-out; all eight would run every tenant this session has made.
        jobs.schedule_periodic(only={"tenants.purge_idempotency_keys"})
        jobs.schedule_periodic(only={"tenants.purge_idempotency_keys"})
        with unit_of_work() as session:
            fanned = session.execute(select(OutboxJob.tenant_id, OutboxJob.id).where(
                OutboxJob.name == "tenants.purge_idempotency_keys",
                OutboxJob.created_at >= clock.now() - timedelta(minutes=1))).all()

    assert [job_id for tenant_id, job_id in fanned if tenant_id == tenant.id] == \
        [f"tenants.purge_idempotency_keys:{tenant.id}:{int(middle.timestamp() // 3600)}"]
    assert other_tenant.id not in {tenant_id for tenant_id, _ in fanned}


def test_without_redis_a_thread_of_the_web_process_runs_the_jobs(tenant, monkeypatch):
    from core.worker import InlineRunner

    # Its scheduler would fan every periodic task out to every tenant this session has made, and run them.
    monkeypatch.setattr(jobs.runtime, "scheduler_enabled", False)
    runner = InlineRunner(poll_seconds=0.05)
    saved_mode, jobs.runtime.mode = jobs.runtime.mode, "inline"
    try:
        runner.start()
        enqueue(tenant.id, "inline-thread")
        deadline = time.monotonic() + 20
        while effects(tenant.id, "inline-thread") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
        jobs.runtime.mode = saved_mode

    assert effects(tenant.id, "inline-thread") == 1


def test_a_job_loop_with_its_scheduler_off_fans_nothing_out(tenant, monkeypatch):
    monkeypatch.setattr(jobs.runtime, "scheduler_enabled", False)
    # The loop still runs due jobs; they are counted, not run: twenty years on, every later intent that any
    # test of this session left would be due.
    runs = []
    monkeypatch.setattr(jobs, "run_due", lambda: runs.append("run_due") or 0)
    with clock.travel(timedelta(days=7300)):  # a slot no other test has used
        job_loops._tick(run_jobs_here=True)
        with unit_of_work() as session:
            ticks = session.scalars(select(jobs.SchedulerTick).where(
                jobs.SchedulerTick.created_at >= clock.now() - timedelta(minutes=1))).all()

    assert ticks == []
    assert runs == ["run_due"]
