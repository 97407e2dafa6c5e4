"""The Douyin adapter against a local stand-in of Douyin's API, with jobs run as soon as they are committed:
a code verified in store is verified at Douyin, a reversal cancels it there, Douyin's notifications are
verified, deduplicated on Msg-Id and applied."""

import hashlib
import json

import pytest
from sqlalchemy import select

from core import jobs
from core.db import unit_of_work
from core.jobs import OutboxJob
from tests.api.loyalty.vouchers import POOLS, create_pool, import_codes, verify, voucher
from tests.support.douyin import DouyinStandIn


@pytest.fixture
def douyin_api():
    with DouyinStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def douyin_pool(tenant, douyin_api):
    douyin_api.sell("104686126200130", "104686126200131", "104686126200132")
    pool = create_pool(tenant, platform="douyin", face_value=3990, platform_settings=douyin_api.settings())
    import_codes(tenant, pool, ["104686126200130", "104686126200131", "104686126200132"])
    return pool


def notify(client, pool, body, headers):
    return client.post(f"/v1/webhooks/douyin/{pool['id']}", data=body, headers=headers)


def test_a_code_verified_in_store_is_verified_at_douyin_by_a_job(tenant, douyin_api, douyin_pool):
    verify(tenant.key("staff"), "104686126200130")

    certificate = douyin_api.certificates["104686126200130"]
    assert (certificate.status, certificate.poi_id) == ("verified", "7001")
    assert [call[1] for call in douyin_api.calls] == [
        "/oauth/client_token/", "/goodlife/v1/fulfilment/certificate/prepare/",
        "/goodlife/v1/fulfilment/certificate/verify/"]
    assert voucher(tenant, "104686126200130")["conflict"] is False


def test_a_store_reversal_cancels_the_verification_at_douyin(tenant, douyin_api, douyin_pool):
    redeemed = verify(tenant.admin, "104686126200130")

    tenant.admin.post(f"/v1/admin/vouchers/{redeemed['id']}/reverse", expect=200)

    certificate = douyin_api.certificates["104686126200130"]
    assert (certificate.status, len(certificate.cancelled)) == ("unused", 1)
    assert verify(tenant.admin, "104686126200130")["status"] == "redeemed"
    assert douyin_api.certificates["104686126200130"].status == "verified"


def test_a_code_already_used_at_douyin_is_flagged_as_a_conflict_when_our_job_reports_it(tenant, douyin_api,
                                                                                        douyin_pool):
    douyin_api.verify_elsewhere("104686126200131")

    verify(tenant.admin, "104686126200131")

    after = voucher(tenant, "104686126200131")
    assert (after["status"], after["redeemed_via"], after["conflict"]) == ("redeemed", "store", True)


def test_when_douyin_is_down_the_report_is_retried_and_the_cashier_is_not_kept_waiting(tenant, douyin_api,
                                                                                       douyin_pool):
    douyin_api.fail_next(1)

    verify(tenant.admin, "104686126200132", expect=200)

    with unit_of_work() as session:
        job = session.scalars(select(OutboxJob).where(OutboxJob.name == "loyalty.vouchers.confirm_at_platform",
                                                      OutboxJob.tenant_id == tenant.id)).one()
    assert (job.completed_at, job.attempts) == (None, 1) and "Douyin" in job.last_error
    assert douyin_api.certificates["104686126200132"].status == "unused"


def test_a_verification_at_douyin_redeems_the_code_here_once_per_message(client, tenant, douyin_api, douyin_pool):
    douyin_api.verify_elsewhere("104686126200130")
    body, headers = douyin_api.notification("verify", "104686126200130", msg_id="msg-1")

    first = notify(client, douyin_pool, body, headers)
    again = notify(client, douyin_pool, body, headers)

    assert (first.status_code, first.get_json()["outcome"]) == (200, "redeemed")
    assert (again.status_code, again.get_json()["outcome"]) == (200, "replayed")
    redeemed = voucher(tenant, "104686126200130")
    assert (redeemed["status"], redeemed["redeemed_via"]) == ("redeemed", "platform")
    assert verify(tenant.admin, "104686126200130", expect=409)["reason"] == "voucher_already_redeemed"


def test_douyin_cancelling_its_verification_gives_the_code_back(client, tenant, douyin_api, douyin_pool):
    douyin_api.verify_elsewhere("104686126200130")
    notify(client, douyin_pool, *douyin_api.notification("verify", "104686126200130"))

    cancelled = notify(client, douyin_pool, *douyin_api.notification("verify_cancel", "104686126200130"))

    assert cancelled.get_json()["outcome"] == "reversed"
    assert voucher(tenant, "104686126200130")["status"] == "available"


def test_douyin_reporting_our_own_verification_changes_nothing(client, tenant, douyin_api, douyin_pool):
    verify(tenant.admin, "104686126200130")

    echo = notify(client, douyin_pool, *douyin_api.notification("verify", "104686126200130", third_party=False))

    after = voucher(tenant, "104686126200130")
    assert echo.get_json()["outcome"] == "own_redemption"
    assert (after["redeemed_via"], after["conflict"]) == ("store", False)


def test_douyins_report_of_a_code_our_job_has_yet_to_report_is_left_to_the_job(client, tenant, douyin_api,
                                                                                douyin_pool, monkeypatch):
    monkeypatch.setattr(jobs.runtime, "mode", "inline")  # no runner here: our report waits in the outbox
    verify(tenant.admin, "104686126200131")
    douyin_api.verify_elsewhere("104686126200131")  # not our job's verification: someone else's

    pending = notify(client, douyin_pool, *douyin_api.notification("verify", "104686126200131"))
    before_the_job = voucher(tenant, "104686126200131")["conflict"]
    jobs.run_due(tenant_id=tenant.id)

    after = voucher(tenant, "104686126200131")
    assert (pending.get_json()["outcome"], before_the_job) == ("confirmation_pending", False)
    assert (after["status"], after["redeemed_via"], after["conflict"]) == ("redeemed", "store", True)


def test_douyins_report_of_a_code_redeemed_here_is_a_conflict_when_no_job_can_report_ours(client, tenant,
                                                                                         douyin_api):
    douyin_api.sell("104686126200188")
    pool = create_pool(tenant, platform="douyin", platform_settings={**douyin_api.settings(), "poi_id": None})
    import_codes(tenant, pool, ["104686126200188"])
    verify(tenant.admin, "104686126200188")  # its report waits for a store id
    douyin_api.verify_elsewhere("104686126200188")

    reported = notify(client, pool, *douyin_api.notification("verify", "104686126200188"))

    after = voucher(tenant, "104686126200188")
    assert reported.get_json()["outcome"] == "conflict"
    assert (after["status"], after["redeemed_via"], after["conflict"]) == ("redeemed", "store", True)


def test_a_refund_at_douyin_voids_a_code_not_yet_used(client, tenant, douyin_api, douyin_pool):
    refunded = notify(client, douyin_pool, *douyin_api.notification("refund_success", "104686126200131"))

    assert refunded.get_json()["outcome"] == "voided"
    assert voucher(tenant, "104686126200131")["status"] == "void"
    assert verify(tenant.admin, "104686126200131", expect=409)["reason"] == "voucher_void"


def test_a_douyin_code_named_only_by_an_unknown_certificate_is_acknowledged(client, douyin_api, douyin_pool):
    douyin_api.verify_elsewhere("104686126200130")

    response = notify(client, douyin_pool, *douyin_api.notification("verify", "104686126200130", third_party=False))

    assert (response.status_code, response.get_json()["outcome"]) == (200, "unknown_code")


def test_a_notification_without_douyins_signature_is_refused(client, tenant, douyin_api, douyin_pool):
    body, headers = douyin_api.notification("verify", "104686126200130")

    forged = notify(client, douyin_pool, body, {**headers, "X-Douyin-Signature": "0" * 40})
    wrong_secret = notify(client, douyin_pool, *douyin_api.notification("verify", "104686126200130",
                                                                       secret="not-the-secret"))
    tampered = notify(client, douyin_pool, body.replace(b"verify", b"refund_success"), headers)

    assert [(r.status_code, r.get_json()["reason"]) for r in (forged, wrong_secret, tampered)] == [
        (400, "invalid_signature")] * 3
    assert voucher(tenant, "104686126200130")["status"] == "available"


def test_douyins_check_of_the_notification_url_is_answered(client, douyin_api, douyin_pool):
    body = json.dumps({"event": "verify_webhook", "client_key": douyin_api.client_key,
                       "content": {"challenge": "12345"}}).encode()
    signature = hashlib.sha1(douyin_api.client_secret.encode() + body).hexdigest()

    response = notify(client, douyin_pool, body, {"X-Douyin-Signature": signature})

    assert response.status_code == 200 and response.get_json()["challenge"] == "12345"


def test_only_douyin_pools_take_douyin_notifications(client, tenant, douyin_api):
    meituan = create_pool(tenant, platform="meituan")
    body, headers = b"{}", {"X-Douyin-Signature": "x"}

    assert notify(client, meituan, body, headers).status_code == 404
    assert client.post("/v1/webhooks/douyin/vpl_nosuchpool", data=body, headers=headers).status_code == 404


def test_a_douyin_pool_without_credentials_keeps_its_report_waiting_for_them(tenant, douyin_api):
    douyin_api.sell("104686126200199")
    pool = create_pool(tenant, platform="douyin")
    import_codes(tenant, pool, ["104686126200199"])

    verify(tenant.admin, "104686126200199")
    tenant.admin.patch(f"{POOLS}/{pool['id']}", {"platform_settings": douyin_api.settings()}, expect=200)

    with unit_of_work() as session:
        job = session.scalars(select(OutboxJob).where(OutboxJob.name == "loyalty.vouchers.confirm_at_platform",
                                                      OutboxJob.tenant_id == tenant.id)).one()
    assert job.completed_at is None and "lack" in job.last_error
    assert douyin_api.certificates["104686126200199"].status == "unused"


def test_a_signed_notification_that_is_not_what_douyin_sends_is_invalid(client, douyin_api, douyin_pool):
    for body in (b"[1]", b"not json", json.dumps({"event": "life_trade_certificate_notify",
                                                    "content": {"action": "verify", "msg_time": "noon"}}).encode()):
        signature = hashlib.sha1(douyin_api.client_secret.encode() + body).hexdigest()

        response = notify(client, douyin_pool, body, {"X-Douyin-Signature": signature, "Msg-Id": "m" * 500})

        assert (response.status_code, response.get_json()["reason"]) == (422, "invalid_request"), body
