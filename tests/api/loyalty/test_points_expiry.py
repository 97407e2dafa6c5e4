"""The per-tenant expiry job: set-based, only due lots, only its tenant, a batch per transaction."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import clock, jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.points.models import PointsEntry, PointsLot
from loyalty.points.service import expiry
from tests.api.loyalty.orders import checkout, paid_order
from tests.api.loyalty.points import entries_of, give_points, points_of, run_expiry
from tests.api.loyalty.scheduler import run_periodic_later


@pytest.fixture(autouse=True, params=["postgresql", "portable"])
def zeroing(request, monkeypatch):
    """Each test runs both ways of expiring a batch: PostgreSQL's one statement, and the portable one
    SQLite (the embedded default) uses."""
    if request.param == "portable":
        monkeypatch.setattr(expiry, "_EXPIRE_BATCH_BY_DIALECT", {})


def test_the_job_expires_what_is_left_of_due_lots_and_records_it(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 10}}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    checkout(tenant, shopper, points=30)
    tenant.settings({"loyalty": {"points_expiry": {"mode": "never"}}})
    give_points(tenant, shopper, 5)

    with clock.travel(timedelta(days=12)):
        run_expiry(tenant.id)
        summary = points_of(shopper)

    assert (summary["balance"], summary["held"]) == (5, 30)
    assert entries_of(shopper)[-1] == ("expire", -70)


def test_the_balance_leaves_out_expired_points_before_the_job_records_them(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)

    with clock.travel(timedelta(days=3)):
        assert points_of(shopper)["balance"] == 0
    assert entries_of(shopper) == [("adjustment", 100)]


def test_the_job_touches_only_its_own_tenant(tenant, other_tenant):
    for each in (tenant, other_tenant):
        each.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shopper, other_shopper = tenant.consumer(), other_tenant.consumer()
    give_points(tenant, shopper, 100)
    give_points(other_tenant, other_shopper, 100)

    with clock.travel(timedelta(days=3)):
        run_expiry(tenant.id)

    assert entries_of(shopper)[-1] == ("expire", -100)
    assert entries_of(other_shopper) == [("adjustment", 100)]
    with unit_of_work() as session, tenant_scope(other_tenant.id):
        assert session.scalar(select(func.sum(PointsLot.remaining))) == 100


def test_a_full_batch_hands_the_rest_to_a_follow_up_job(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shoppers = [tenant.consumer() for _ in range(5)]
    for shopper in shoppers:
        paid_order(tenant, shopper, amount=1_000)

    with clock.travel(timedelta(days=3)):
        run_expiry(tenant.id, batch=2)  # 2 now; follow-ups run after commit (eager jobs in tests)
        with unit_of_work() as session:
            follow_ups = session.scalar(select(func.count()).select_from(jobs.OutboxJob).where(
                jobs.OutboxJob.tenant_id == tenant.id, jobs.OutboxJob.name == "loyalty.points.expire"))

    assert follow_ups == 2  # after 2 and after 4; the third run found a short batch
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.kind == "expire")) == 5
        assert session.scalar(select(func.sum(PointsLot.remaining))) == 0


def test_a_full_batch_that_took_the_last_due_lots_needs_no_follow_up(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    for shopper in [tenant.consumer() for _ in range(4)]:
        paid_order(tenant, shopper, amount=1_000)

    with clock.travel(timedelta(days=3)):
        run_expiry(tenant.id, batch=2)
        with unit_of_work() as session:
            follow_ups = session.scalar(select(func.count()).select_from(jobs.OutboxJob).where(
                jobs.OutboxJob.tenant_id == tenant.id, jobs.OutboxJob.name == "loyalty.points.expire"))

    assert follow_ups == 1  # after 2; the second batch was full too but left nothing due
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.sum(PointsLot.remaining))) == 0


def test_the_scheduler_runs_the_expiry_for_every_active_tenant(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)

    run_periodic_later("loyalty.points.expire", after=timedelta(days=3))

    assert entries_of(shopper)[-1] == ("expire", -100)


def test_a_customers_lots_expiring_in_one_run_are_one_entry_naming_each_lot(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "month_end"}}})
    shopper = tenant.consumer()
    first, second = give_points(tenant, shopper, 30), give_points(tenant, shopper, 12)

    with clock.travel(timedelta(days=32)):
        run_expiry(tenant.id)

    entry = shopper.get("/v1/storefront/points/entries", expect=200).get_json()["data"][0]
    assert (entry["kind"], entry["points"]) == ("expire", -42)
    with unit_of_work() as session, tenant_scope(tenant.id):
        draws = session.scalars(select(PointsEntry.draws).where(PointsEntry.id == entry["id"])).one()
        lots = dict(session.execute(select(PointsLot.entry_id, PointsLot.id)).all())
    assert sorted(draws, key=lambda d: d["points"]) == [{"lot_id": lots[second["id"]], "points": 12},
                                                        {"lot_id": lots[first["id"]], "points": 30}]


def test_expiry_entries_have_ids_of_our_format_each_its_own(tenant):
    """The PostgreSQL statement makes the entries' ids itself: they must look like every other id (prefix,
    time part, 16 random characters) and differ between the customers of one batch."""
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 1}}})
    shoppers = [tenant.consumer() for _ in range(3)]
    for shopper in shoppers:
        give_points(tenant, shopper, 10)

    with clock.travel(timedelta(days=3)):
        run_expiry(tenant.id)

    with unit_of_work() as session, tenant_scope(tenant.id):
        expired = session.execute(select(PointsEntry.id, PointsEntry.source)
                                  .where(PointsEntry.kind == "expire")).all()
    assert len({entry_id for entry_id, _ in expired}) == 3
    for entry_id, source in expired:
        assert re.fullmatch(r"pte_[0-9A-Za-z]{24}", entry_id)
        assert source == f"expire:{entry_id}"

