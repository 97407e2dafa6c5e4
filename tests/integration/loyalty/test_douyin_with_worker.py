"""Douyin end to end with a real worker: jobs leave through the outbox and Redis to a `flask worker` process,
which reports store redemptions to a local stand-in of Douyin's API, retries when it is down, and takes a
reversed redemption back there; Douyin's notifications arrive at their own webhook."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.jobs import OutboxJob
from tests.api.loyalty.vouchers import create_pool, import_codes, verify, voucher
from tests.support.douyin import DouyinStandIn
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

CODES = ["104686126200130", "104686126200131", "104686126200132", "104686126200133"]


@pytest.fixture
def douyin_api():
    with DouyinStandIn() as stand_in:
        stand_in.sell(*CODES)
        yield stand_in


@pytest.fixture
def douyin_pool(tenant, douyin_api):
    pool = create_pool(tenant, name="Douyin set meal", platform="douyin", face_value=3990,
                       platform_settings=douyin_api.settings(poi_id="7001"))
    import_codes(tenant, pool, CODES)
    return pool


def jobs_named(tenant_id: str, name: str) -> list[OutboxJob]:
    with unit_of_work() as session:
        return list(session.scalars(select(OutboxJob).where(OutboxJob.tenant_id == tenant_id, OutboxJob.name == name)))


def test_store_verification_reaches_douyin_through_a_worker_and_a_reversal_takes_it_back(
        client, tenant, douyin_api, douyin_pool, start_worker):
    start_worker()
    staff = tenant.key("staff")

    redeemed = verify(staff, "1046-8612-6200-130", location="Store 1")
    reported = wait_until(lambda: douyin_api.certificates["104686126200130"].status == "verified")
    recorded = wait_until(lambda: all(job.completed_at for job in jobs_named(
        tenant.id, "loyalty.vouchers.confirm_at_platform")))

    assert reported and recorded and douyin_api.certificates["104686126200130"].poi_id == "7001"
    assert voucher(tenant, "104686126200130")["conflict"] is False

    staff.post(f"/v1/admin/vouchers/{redeemed['id']}/reverse", expect=200)

    assert wait_until(lambda: douyin_api.certificates["104686126200130"].status == "unused")
    assert voucher(tenant, "104686126200130")["status"] == "available"
    # Douyin reports the cancellation our worker made: the code is ours again, nothing more happens.
    body, headers = douyin_api.notification("verify_cancel", "104686126200130")
    echo = client.post(f"/v1/webhooks/douyin/{douyin_pool['id']}", data=body, headers=headers)
    assert (echo.status_code, echo.get_json()["outcome"]) == (200, "no_effect")
    assert voucher(tenant, "104686126200130")["status"] == "available"


def test_when_douyin_fails_the_worker_retries_until_it_is_told(tenant, douyin_api, douyin_pool, start_worker):
    start_worker()
    douyin_api.fail_next(1)

    verify(tenant.admin, "104686126200131")

    assert wait_until(lambda: douyin_api.certificates["104686126200131"].status == "verified", timeout=60)
    assert wait_until(lambda: jobs_named(tenant.id, "loyalty.vouchers.confirm_at_platform")[0].completed_at)
    [job] = jobs_named(tenant.id, "loyalty.vouchers.confirm_at_platform")
    assert job.attempts == 2 and "Douyin" in job.last_error


def test_a_code_verified_at_douyin_first_is_redeemed_here_by_its_notification_and_refused_in_store(
        client, tenant, douyin_api, douyin_pool, start_worker):
    start_worker()
    douyin_api.verify_elsewhere("104686126200132")
    body, headers = douyin_api.notification("verify", "104686126200132", msg_id="douyin-msg-77")

    first = client.post(f"/v1/webhooks/douyin/{douyin_pool['id']}", data=body, headers=headers)
    pushed_again = client.post(f"/v1/webhooks/douyin/{douyin_pool['id']}", data=body, headers=headers)

    assert [first.get_json()["outcome"], pushed_again.get_json()["outcome"]] == ["redeemed", "replayed"]
    assert verify(tenant.admin, "104686126200132", expect=409)["reason"] == "voucher_already_redeemed"
    assert voucher(tenant, "104686126200132")["redeemed_via"] == "platform"


def test_a_code_used_at_douyin_and_then_in_store_is_flagged_by_the_worker(tenant, douyin_api, douyin_pool,
                                                                          start_worker):
    start_worker()
    douyin_api.verify_elsewhere("104686126200133")  # its notification never reached us

    verify(tenant.admin, "104686126200133")

    assert wait_until(lambda: voucher(tenant, "104686126200133")["conflict"])
    assert douyin_api.certificates["104686126200133"].poi_id == "9999"
