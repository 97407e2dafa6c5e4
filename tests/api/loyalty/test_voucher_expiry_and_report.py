"""The hourly job records lapsed codes (set-based, its tenant only, a batch per run); the finance report."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core import clock
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.vouchers.jobs import expire_vouchers
from loyalty.vouchers.models import Voucher
from loyalty.vouchers.service import expiry
from tests.api.loyalty.scheduler import run_periodic_later
from tests.api.loyalty.vouchers import POOLS, create_pool, grant, import_codes, pool_with_codes, verify
from tests.api.shop.builders import create_product, place_order, sku_id

REPORT = "/v1/finance/reports/vouchers"


def stored_statuses(tenant_id: str, pool: dict) -> dict[str, str]:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return dict(session.execute(select(Voucher.code, Voucher.status).where(Voucher.pool_id == pool["id"])).all())


def run_expiry(tenant_id: str, **kwargs) -> None:
    with unit_of_work() as session, tenant_scope(tenant_id):
        expire_vouchers(session, **kwargs)


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


def test_the_job_records_codes_of_ended_pools_expired_and_of_archived_pools_void(tenant):
    shopper = tenant.consumer()
    ending = pool_with_codes(tenant, ["END00001", "END00002", "END00003"], direction="issue",
                             valid_until=in_an_hour())
    grant(tenant, ending, [shopper.customer_id])
    verify(tenant.admin, shopper.get("/v1/storefront/vouchers", expect=200).get_json()["data"][0]["code"])
    archived = pool_with_codes(tenant, ["ARC00001"])
    tenant.admin.patch(f"{POOLS}/{archived['id']}", {"status": "archived"}, expect=200)
    lasting = pool_with_codes(tenant, ["LST00001"])

    with clock.travel(timedelta(hours=2)):
        run_expiry(tenant.id)

    assert sorted(stored_statuses(tenant.id, ending).values()) == ["expired", "expired", "redeemed"]
    assert stored_statuses(tenant.id, archived) == {"ARC00001": "void"}
    assert stored_statuses(tenant.id, lasting) == {"LST00001": "available"}


def test_a_batch_marks_at_most_its_size_and_only_its_tenants_codes(tenant, other_tenant):
    mine = pool_with_codes(tenant, [f"MINE{i:04d}" for i in range(5)], valid_until=in_an_hour())
    theirs = pool_with_codes(other_tenant, [f"THRS{i:04d}" for i in range(3)], valid_until=in_an_hour())

    with clock.travel(timedelta(hours=2)), unit_of_work() as session, tenant_scope(tenant.id):
        marked = expiry.record_lapsed(session, now=clock.now(), limit=2)

    assert marked == 2
    assert sorted(stored_statuses(tenant.id, mine).values()) == ["available"] * 3 + ["expired"] * 2
    assert set(stored_statuses(other_tenant.id, theirs).values()) == {"available"}


def test_a_full_batch_asks_for_a_follow_up_and_the_scheduler_runs_every_tenant(tenant, other_tenant):
    mine = pool_with_codes(tenant, [f"MINE{i:04d}" for i in range(5)], valid_until=in_an_hour())
    theirs = pool_with_codes(other_tenant, [f"THRS{i:04d}" for i in range(3)], valid_until=in_an_hour())

    with clock.travel(timedelta(hours=2)):
        run_expiry(tenant.id, batch=2)  # the follow-ups run as soon as each batch commits (eager jobs)
        mine_after = set(stored_statuses(tenant.id, mine).values())
        theirs_before = set(stored_statuses(other_tenant.id, theirs).values())
        run_periodic_later("loyalty.vouchers.expire", after=timedelta(0))

    assert (mine_after, theirs_before) == ({"expired"}, {"available"})
    assert set(stored_statuses(other_tenant.id, theirs).values()) == {"expired"}


def test_the_job_leaves_codes_held_by_orders_alone(tenant):
    pool = pool_with_codes(tenant, ["HOLD0001"], valid_until=in_an_hour())
    tea = create_product(tenant, skus=[{"price": 5000, "stock": 5}])
    place_order(tenant.consumer(), [(sku_id(tea), 1)], voucher_code="HOLD0001")

    with clock.travel(timedelta(hours=2)):
        run_expiry(tenant.id)

    assert stored_statuses(tenant.id, pool) == {"HOLD0001": "locked"}


def test_the_report_shows_each_pool_by_status_with_the_face_value_still_outstanding(client, tenant):
    shopper = tenant.consumer()
    issuing = pool_with_codes(tenant, ["ISS00001", "ISS00002", "ISS00003"], direction="issue", face_value=2000,
                              name="Gift")
    grant(tenant, issuing, [shopper.customer_id, tenant.consumer().customer_id])
    verify(tenant.admin, shopper.get("/v1/storefront/vouchers", expect=200).get_json()["data"][0]["code"])
    accepting = pool_with_codes(tenant, ["ACC00001", "ACC00002", "ACC00003"], platform="douyin", face_value=5000)
    verify(tenant.admin, "ACC00001")
    no_value = create_pool(tenant, face_value=None)
    import_codes(tenant, no_value, ["NOV00001"])

    report = tenant.key("finance").get(REPORT, expect=200).get_json()["pools"]

    by_id = {row["id"]: row for row in report}
    assert {k: by_id[issuing["id"]][k] for k in ("direction", "total", "available", "issued", "redeemed",
                                                 "outstanding_value")} == {
        "direction": "issue", "total": 3, "available": 1, "issued": 1, "redeemed": 1, "outstanding_value": 2000}
    assert (by_id[accepting["id"]]["available"], by_id[accepting["id"]]["outstanding_value"]) == (2, 10_000)
    assert by_id[no_value["id"]]["outstanding_value"] == 0
    assert tenant.key("staff").get(REPORT, expect=403).get_json()["reason"] == "forbidden"


def test_an_ended_or_archived_pool_owes_nothing_any_more(tenant):
    ending = pool_with_codes(tenant, ["OWE00001"], face_value=1000, valid_until=in_an_hour())
    archived = pool_with_codes(tenant, ["OWE00002"], face_value=1000)
    tenant.admin.patch(f"{POOLS}/{archived['id']}", {"status": "archived"}, expect=200)

    with clock.travel(timedelta(hours=2)):
        report = {row["id"]: row for row in tenant.admin.get(REPORT, expect=200).get_json()["pools"]}

    assert (report[ending["id"]]["expired"], report[ending["id"]]["outstanding_value"]) == (1, 0)
    assert (report[archived["id"]]["void"], report[archived["id"]]["outstanding_value"]) == (1, 0)
