"""Campaigns on PostgreSQL with real `flask worker` processes: a launch over 5,000 customers whose worker is
SIGKILLed in the middle of a batch and that a new worker finishes; two campaigns granting at once in two
workers under one frequency cap; two launches of one campaign at once.

These run on a database of their own: a worker's scheduler fans periodic jobs out to every tenant, and by the
time they run the session's database holds hundreds of tenants whose per-minute jobs, on a busy machine,
would keep a single worker's queue from ever draining. What is under test is the campaign, not that fan-out.
"""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from sqlalchemy import func, insert, select

from core import clock, migrate
from core.db import database, unit_of_work
from core.ids import new_id
from core.jobs import OutboxJob, SchedulerTick
from core.tenancy import tenant_scope
from loyalty.coupons import service as coupons
from loyalty.coupons.models import Coupon, CouponTemplate
from loyalty.segments.models import Campaign, CampaignRecipient
from loyalty.segments.service.lifecycle import REFRESH_JOB
from tenants.customers.invite_codes import new_invite_code
from tenants.customers.models import Customer
from tests.api.loyalty.segments.campaigns import campaign, coupon_template, segment, tagged
from tests.support import databases
from tests.support.waiting import lock_waiters
from tests.support.waiting import wait_until as poll_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def own_database(app):
    """This module's tests (the app in this process and the workers) use a fresh, migrated database."""
    url = databases.create_database("fission_campaigns")
    migrate.upgrade(url)
    database.configure(url)
    yield url
    database.configure(app.config["DATABASE_URL"])
    databases.drop_database(url)


@pytest.fixture
def start_worker(start_worker, own_database):
    # With its scheduler on: these tests also check the periodic work settles on a database of their own.
    return lambda **env: start_worker(DATABASE_URL=own_database, scheduler=True, **env)

EVERYONE = {"all": [{"field": "registered_days", "op": "gte", "value": 0}]}


def seed_customers(tenant_id: str, count: int) -> list[str]:
    """Customers who signed up earlier (a bulk insert: logging 5,000 people in would only be slow)."""
    now, ids = clock.now(), [new_id("cus") for _ in range(count)]
    with unit_of_work() as session, tenant_scope(tenant_id):
        session.execute(insert(Customer.__table__), [
            {"tenant_id": tenant_id, "id": customer_id, "openid": f"seed-{customer_id}", "provider": "dev",
             "invite_code": new_invite_code(), "created_at": now} for customer_id in ids])
    return sorted(ids)


def campaign_row(tenant_id: str, campaign_id: str) -> Campaign:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalars(select(Campaign).where(Campaign.id == campaign_id)).one()


def wait_until(condition, *, timeout: float, every: float = 0.05):
    """tests.support.waiting's, failing the test on timeout (the callers here do not assert)."""
    found = poll_until(condition, timeout=timeout, every=every)
    if not found:
        raise AssertionError(f"timed out after {timeout} s")
    return found


def settled_in(runtime, worker):
    """Wait until the worker has worked off what its scheduler fanned out (periodic jobs for every tenant the
    test run has made, hundreds by now), so the campaign's batches do not queue behind them: today's slot of
    the daily refresh is claimed, nothing due waits to be relayed, and the queue is empty."""
    def settled():
        now = clock.now()
        with unit_of_work() as session:
            ticked = session.scalar(select(func.count()).select_from(SchedulerTick).where(
                SchedulerTick.name == REFRESH_JOB, SchedulerTick.slot == int(now.timestamp() // 86_400)))
            waiting = session.scalar(select(func.count()).select_from(OutboxJob).where(
                OutboxJob.completed_at.is_(None), OutboxJob.failed_at.is_(None), OutboxJob.skipped_at.is_(None),
                OutboxJob.enqueued_at.is_(None), OutboxJob.run_at <= now))
        return ticked and not waiting and runtime.queue().count == 0

    wait_until(settled, timeout=600, every=0.5)
    return worker


def completed(tenant_id: str, campaign_id: str) -> bool:
    return campaign_row(tenant_id, campaign_id).status == "completed"


def waiting_on_a_lock(database_url: str) -> list[int]:
    return lock_waiters(database_url, "%coupon_customer_counts%")


def test_a_launch_whose_worker_is_killed_mid_batch_is_finished_by_a_new_worker_once_each(
        tenant, own_database, rq_mode, start_worker):
    tenant.settings({"campaigns": {"max_grants_per_customer": 1, "cap_days": 7}})
    ids = seed_customers(tenant.id, 5_000)
    worker = settled_in(rq_mode, start_worker())
    # Before: 300 customers got points from an earlier campaign this week (the cap), 50 claimed the
    # coupon already (its per-customer limit), and the coupon has 4,500 in all.
    earlier = campaign(tenant, tagged(tenant, ids[:300], "Earlier")["id"], {"kind": "grant_points", "points": 10})
    tenant.admin.post(f"/v1/admin/campaigns/{earlier['id']}/launch", expect=202)
    wait_until(lambda: completed(tenant.id, earlier["id"]), timeout=120)
    template = coupon_template(tenant, total_quantity=4_500, per_customer_limit=1, claimable=True)
    claimers = ids[1_000:1_050]  # in the third batch (batches go by customer id, 500 each)
    with unit_of_work() as session, tenant_scope(tenant.id):
        for customer_id in claimers:
            coupons.claim(session, template_id=template["id"], customer_id=customer_id)
    big = campaign(tenant, segment(tenant, EVERYONE)["id"],
                   {"kind": "grant_coupon", "coupon_template_id": template["id"]}, name="Everyone")
    assert tenant.admin.post(f"/v1/admin/campaigns/{big['id']}/dry-run", expect=200).get_json() == {
        "audience": 5_000, "capped": 300, "eligible": 4_450,
        "estimated_cost": {"amount": 4_450_000, "currency": "CNY"}}

    # Hold one claimer's per-customer counter: the first two batches go through, the third stops in the
    # middle (its cap rows written, uncommitted) waiting for it, and its worker is killed right there.
    blocker = psycopg.connect(own_database)
    blocker.execute("SELECT 1 FROM coupon_customer_counts WHERE tenant_id = %s AND customer_id = %s FOR UPDATE",
                    (tenant.id, claimers[0]))
    assert tenant.admin.post(f"/v1/admin/campaigns/{big['id']}/launch", expect=202).get_json()["status"] == "running"
    wait_until(lambda: waiting_on_a_lock(own_database), timeout=120)
    worker.process.kill()  # SIGKILL: no clean-up of any kind
    worker.process.wait(timeout=10)
    blocker.rollback()  # the orphaned backend takes the lock, finds its client gone, and rolls back
    blocker.close()
    wait_until(lambda: not waiting_on_a_lock(own_database), timeout=30)
    stopped = campaign_row(tenant.id, big["id"])
    assert (stopped.status, stopped.batches, stopped.granted) == ("running", 2, 700)

    # The killed batch's watch, written by the batch before it, hands the batch to a new worker once it is due:
    # rather than wait out its half minute, the campaign's watches come due now.
    with psycopg.connect(own_database) as connection:
        assert connection.execute("UPDATE job_outbox SET run_at = now() WHERE id LIKE %s AND completed_at IS NULL",
                                  (f"campaign:{big['id']}:watch:%",)).rowcount >= 1
    start_worker()
    wait_until(lambda: completed(tenant.id, big["id"]), timeout=300, every=0.5)

    done = tenant.admin.get(f"/v1/admin/campaigns/{big['id']}", expect=200).get_json()
    assert (done["audience"], done["granted"], done["skipped_capped"], done["skipped_limit"]) == \
        (5_000, 4_450, 300, 250)
    with unit_of_work() as session, tenant_scope(tenant.id):
        per_customer = dict(session.execute(
            select(Coupon.customer_id, func.count()).where(Coupon.template_id == template["id"],
                                                           Coupon.source == "campaign")
            .group_by(Coupon.customer_id)).all())
        outcomes = dict(session.execute(select(CampaignRecipient.customer_id, CampaignRecipient.status)
                                        .where(CampaignRecipient.campaign_id == big["id"])).all())
        grants_per_customer = set(session.scalars(
            select(func.count()).where(CampaignRecipient.status == "granted").group_by(CampaignRecipient.customer_id)))
        issued = session.scalar(select(CouponTemplate.issued_count).where(CouponTemplate.id == template["id"]))
    granted = {c for c, status in outcomes.items() if status == "granted"}
    assert set(per_customer) == granted and set(per_customer.values()) == {1}  # each eligible one exactly once
    # the earliest ids got the coupons, once the capped ones and those at the limit were passed over
    assert granted == set(ids[300:1_000] + ids[1_050:4_800])
    assert {outcomes[c] for c in ids[:300]} == {"skipped_capped"}
    assert {outcomes[c] for c in claimers + ids[4_800:]} == {"skipped_limit"}
    assert grants_per_customer == {1}  # the frequency cap held across both campaigns
    assert issued == 4_500  # 50 claims + 4,450 grants: the total quantity, never more


def test_two_campaigns_granting_at_once_in_two_workers_respect_one_frequency_cap(tenant, rq_mode, start_worker):
    tenant.settings({"campaigns": {"max_grants_per_customer": 1, "cap_days": 7}})
    ids = seed_customers(tenant.id, 2_000)
    everyone = segment(tenant, EVERYONE)
    first = campaign(tenant, everyone["id"], {"kind": "grant_points", "points": 10}, name="First")
    second = campaign(tenant, everyone["id"], {"kind": "grant_points", "points": 20}, name="Second")
    settled_in(rq_mode, start_worker())
    start_worker()

    tenant.admin.post(f"/v1/admin/campaigns/{first['id']}/launch", expect=202)
    tenant.admin.post(f"/v1/admin/campaigns/{second['id']}/launch", expect=202)
    wait_until(lambda: completed(tenant.id, first["id"]) and completed(tenant.id, second["id"]), timeout=300,
               every=0.5)

    a, b = campaign_row(tenant.id, first["id"]), campaign_row(tenant.id, second["id"])
    assert a.granted + b.granted == 2_000
    assert a.skipped_capped + b.skipped_capped == 2_000
    with unit_of_work() as session, tenant_scope(tenant.id):
        grants = dict(session.execute(select(CampaignRecipient.customer_id, func.count())
                                      .where(CampaignRecipient.status == "granted")
                                      .group_by(CampaignRecipient.customer_id)).all())
    assert set(grants) == set(ids) and set(grants.values()) == {1}


def test_two_launches_of_one_campaign_at_once_run_it_once(app, tenant):
    seed_customers(tenant.id, 50)
    created = campaign(tenant, segment(tenant, EVERYONE)["id"], {"kind": "grant_points", "points": 5})
    statuses, start = [], threading.Barrier(4)

    def launch():
        client = app.test_client()
        start.wait()
        response = client.post(f"/v1/admin/campaigns/{created['id']}/launch",
                               headers={"Authorization": f"Bearer {tenant.admin_key}",
                                        "Idempotency-Key": uuid.uuid4().hex})
        statuses.append((response.status_code, (response.get_json() or {}).get("reason")))

    threads = [threading.Thread(target=launch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses, key=str) == sorted([(202, None)] + [(409, "invalid_state")] * 3, key=str)
    done = tenant.admin.get(f"/v1/admin/campaigns/{created['id']}").get_json()
    assert (done["status"], done["audience"], done["granted"]) == ("completed", 50, 50)
