"""Settlement on PostgreSQL with real RQ workers: overlapping runs, and a worker killed mid-batch."""

from __future__ import annotations

import os
import signal

import psycopg
import pytest
from sqlalchemy import text

from core.db import unit_of_work
from core.tenancy import tenant_scope
from shop.distribution import service
from shop.distribution.models import Settlement
from tests.integration.distribution.seeding import seed_due_commissions, settled_state
from tests.support.waiting import lock_waiters, wait_until

pytestmark = pytest.mark.integration


def request_run(tenant_id: str, *, limit: int) -> str:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return service.request_settlement(session, limit=limit).id


def runs(tenant_id: str) -> dict[str, Settlement]:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return {run.id: run for run in session.query(Settlement).all()}


def completed(tenant_id: str, run_ids) -> bool:
    found = runs(tenant_id)
    return all(found[run_id].status == "completed" for run_id in run_ids)


def test_overlapping_runs_settle_every_commission_exactly_once(tenant, start_worker):
    seed_due_commissions(tenant.id, count=3000, distributors=12, amount=7)
    first, second = request_run(tenant.id, limit=100), request_run(tenant.id, limit=100)

    # Two workers run both runs' batches at once.
    workers = [start_worker(), start_worker()]

    assert wait_until(lambda: completed(tenant.id, [first, second]), timeout=240), [w.stop() for w in workers]
    assert wait_until(lambda: completed(tenant.id, runs(tenant.id)), timeout=240)
    state = settled_state(tenant.id)
    found = runs(tenant.id)
    assert state["by_status"] == {"settled": 3000}
    assert state["by_run"] == {run.id: run.commissions for run in found.values() if run.commissions}
    assert found[first].commissions > 0 and found[second].commissions > 0  # they really overlapped
    assert sum(run.commissions for run in found.values()) == 3000
    assert sum(run.amount for run in found.values()) == state["settled_amount"] == state["available"] == 21000
    assert state["totals"] == {"CNY": 0}


def test_a_worker_killed_mid_batch_settles_nothing_and_a_new_worker_finishes_the_batch(
        tenant, start_worker, database_url, rq_mode):
    seed_due_commissions(tenant.id, count=2000, distributors=5, amount=3)
    run_id = request_run(tenant.id, limit=5000)
    # Hold the batch after its UPDATE: an uncommitted ledger transaction with the key the batch will post
    # under makes the worker's own insert wait on it, with its commissions updated but not committed.
    blocker = psycopg.connect(database_url)
    blocker.execute("INSERT INTO ledger_transactions (tenant_id, id, kind, key, created_at) "
                    "VALUES (%s, 'ltx_blocker', 'test', %s, now())", (tenant.id, f"settlement:{run_id}:1"))
    doomed = start_worker()

    def worker_backend():
        return next(iter(lock_waiters(database_url, "%INSERT INTO ledger_transactions%")), None)

    assert wait_until(lambda: worker_backend() is not None, timeout=240), doomed.stop()
    backend = worker_backend()
    os.kill(doomed.process.pid, signal.SIGKILL)
    doomed.process.wait(timeout=10)
    with psycopg.connect(database_url, autocommit=True) as operator:
        # PostgreSQL finds a dead client when it next talks to it; end its session now, as it would.
        operator.execute("SELECT pg_terminate_backend(%s)", (backend,))
    blocker.rollback()
    blocker.close()

    midway = settled_state(tenant.id)
    assert midway["by_status"] == {"frozen": 2000} and runs(tenant.id)[run_id].status == "queued"
    # The intent was handed to RQ and never finished: the outbox hands it on again (as after any lost
    # delivery); the new worker runs the batch from the start.
    with unit_of_work() as session:
        job_id = session.execute(text("SELECT id FROM job_outbox WHERE id LIKE :key"),
                                 {"key": f"settlement:{run_id}:batch:1"}).scalar_one()
    rq_mode.queue().enqueue("core.jobs.execute", job_id)
    start_worker()

    assert wait_until(lambda: completed(tenant.id, [run_id]), timeout=240)
    state = settled_state(tenant.id)
    assert state["by_status"] == {"settled": 2000} and state["by_run"] == {run_id: 2000}
    assert runs(tenant.id)[run_id].commissions == 2000 and runs(tenant.id)[run_id].amount == 6000
    assert state["available"] == 6000 and state["totals"] == {"CNY": 0}


def test_a_settlement_job_delivered_twice_settles_once(tenant, start_worker, rq_mode):
    seed_due_commissions(tenant.id, count=500, distributors=3, amount=5)
    run_id = request_run(tenant.id, limit=5000)
    with unit_of_work() as session:
        job_id = session.execute(text("SELECT id FROM job_outbox WHERE id LIKE :key"),
                                 {"key": f"settlement:{run_id}:batch:1"}).scalar_one()
    rq_mode.queue().enqueue("core.jobs.execute", job_id)  # a second delivery of the same intent

    start_worker(burst=True).wait()

    state = settled_state(tenant.id)
    assert state["by_run"] == {run_id: 500} and runs(tenant.id)[run_id].amount == 2500
    assert state["available"] == 2500 and state["totals"] == {"CNY": 0}
