"""Platforms' signed callbacks: verified, each event once, a redemption made elsewhere never redeemed twice."""

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from tests.api.loyalty.vouchers import (
    counts,
    create_pool,
    import_codes,
    send_callback,
    signed_callback,
    verify,
    voucher,
)


def platform_pool(tenant, codes: list[str], **fields) -> dict:
    pool = create_pool(tenant, platform="meituan", **fields)
    import_codes(tenant, pool, codes)
    return pool


def test_a_signed_redemption_redeems_the_code_via_the_platform(client, tenant):
    pool = platform_pool(tenant, ["MT-5571-6307"])
    when = datetime.now(UTC) - timedelta(minutes=3)

    response = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="mt 5571 6307",
                                                            occurred_at=when))

    assert response.status_code == 200 and response.get_json() == {"received": True, "outcome": "redeemed"}
    redeemed = voucher(tenant, "MT55716307")
    assert (redeemed["status"], redeemed["redeemed_via"], redeemed["conflict"]) == ("redeemed", "platform", False)
    assert redeemed["redeemed_at"].startswith(when.isoformat()[:19])
    assert verify(tenant.admin, "MT55716307", expect=409)["reason"] == "voucher_already_redeemed"


def test_each_event_takes_effect_once_and_replays_are_acknowledged(client, tenant):
    pool = platform_pool(tenant, ["ONCE5555"])
    body, headers = signed_callback(pool["callback_secret"], code="ONCE5555", event_id="evt_1")
    send_callback(client, pool, body, headers)
    reversal = signed_callback(pool["callback_secret"], code="ONCE5555", type_="voucher.reversed",
                               event_id="evt_2")
    send_callback(client, pool, *reversal)

    replayed = send_callback(client, pool, body, headers)

    assert (replayed.status_code, replayed.get_json()["outcome"]) == (200, "replayed")
    assert voucher(tenant, "ONCE5555")["status"] == "available"


def test_a_platform_redemption_of_a_code_redeemed_here_is_a_conflict_never_a_second_redemption(client, tenant):
    pool = platform_pool(tenant, ["BOTH7777"])
    redeemed_here = verify(tenant.admin, "BOTH7777")

    response = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="BOTH7777"))

    after = voucher(tenant, "BOTH7777")
    assert response.get_json()["outcome"] == "conflict"
    assert (after["status"], after["redeemed_via"], after["redeemed_at"], after["conflict"]) == (
        "redeemed", "store", redeemed_here["redeemed_at"], True)
    assert (counts(tenant, pool)["redeemed"], counts(tenant, pool)["conflicts"]) == (1, 1)


def test_a_signed_redemption_of_a_douyin_code_verified_in_store_is_a_conflict_never_a_second_redemption(
        client, tenant):
    pool = create_pool(tenant, platform="douyin")  # no Douyin credentials: our report to Douyin waits for them
    import_codes(tenant, pool, ["104686126200177"])
    redeemed_here = verify(tenant.admin, "104686126200177")

    response = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="104686126200177"))

    after = voucher(tenant, "104686126200177")
    assert (response.status_code, response.get_json()["outcome"]) == (200, "conflict")
    assert (after["status"], after["redeemed_via"], after["redeemed_at"], after["conflict"]) == (
        "redeemed", "store", redeemed_here["redeemed_at"], True)
    assert (counts(tenant, pool)["redeemed"], counts(tenant, pool)["conflicts"]) == (1, 1)


def test_the_platform_reversing_its_redemption_gives_the_code_back(client, tenant):
    pool = platform_pool(tenant, ["UNDO8888"])
    send_callback(client, pool, *signed_callback(pool["callback_secret"], code="UNDO8888"))

    reversed_ = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="UNDO8888",
                                                             type_="voucher.reversed"))

    assert reversed_.get_json()["outcome"] == "reversed"
    assert (voucher(tenant, "UNDO8888")["status"], voucher(tenant, "UNDO8888")["redeemed_via"]) == ("available",
                                                                                                  None)


def test_the_platform_reversing_a_conflicting_redemption_clears_the_conflict(client, tenant):
    pool = platform_pool(tenant, ["CLRS0001"])
    verify(tenant.admin, "CLRS0001")
    send_callback(client, pool, *signed_callback(pool["callback_secret"], code="CLRS0001"))

    send_callback(client, pool, *signed_callback(pool["callback_secret"], code="CLRS0001", type_="voucher.reversed"))

    after = voucher(tenant, "CLRS0001")
    assert (after["status"], after["redeemed_via"], after["conflict"]) == ("redeemed", "store", False)


def test_an_event_for_a_code_the_pool_does_not_hold_is_acknowledged_and_changes_nothing(client, tenant):
    pool = platform_pool(tenant, ["MINE0001"])
    other = platform_pool(tenant, ["ELSE0001"])

    unknown = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="NOBODY01"))
    elsewhere = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="ELSE0001"))

    assert [r.get_json()["outcome"] for r in (unknown, elsewhere)] == ["unknown_code", "unknown_code"]
    assert counts(tenant, other)["available"] == 1


def test_a_callback_without_a_valid_recent_signature_is_refused_and_changes_nothing(client, tenant):
    pool = platform_pool(tenant, ["SIGN0001"])
    other = create_pool(tenant)
    # Well past the 300 s either way: a timestamp one second out was accepted whenever the server's clock had
    # crossed into the next second by the time it checked (a flake on a busy machine).
    stale = int(time.time()) - 330
    future = int(time.time()) + 330
    body, headers = signed_callback(pool["callback_secret"], code="SIGN0001")

    attempts = [
        send_callback(client, pool, body, {}),
        send_callback(client, pool, body, {"Fission-Signature": "t=1,v1=00"}),
        send_callback(client, pool, *signed_callback(other["callback_secret"], code="SIGN0001")),
        send_callback(client, pool, *signed_callback(pool["callback_secret"], code="SIGN0001", timestamp=stale)),
        send_callback(client, pool, *signed_callback(pool["callback_secret"], code="SIGN0001", timestamp=future)),
        send_callback(client, pool, body.replace(b"SIGN0001", b"SIGN0002"), headers),
    ]

    assert [(r.status_code, r.get_json()["reason"]) for r in attempts] == [(400, "invalid_signature")] * 6
    assert voucher(tenant, "SIGN0001")["status"] == "available"


def test_a_callback_for_an_unknown_pool_is_not_found(client, tenant):
    pool = platform_pool(tenant, ["POOL0001"])
    body, headers = signed_callback(pool["callback_secret"], code="POOL0001")

    response = client.post("/v1/webhooks/vouchers/vpl_nosuchpool", data=body, headers=headers)

    assert (response.status_code, response.get_json()["reason"]) == (404, "not_found")


def test_a_signed_body_that_is_not_an_event_is_invalid(client, tenant):
    pool = platform_pool(tenant, ["BODY0001"])
    timestamp = str(int(time.time()))
    for body in (b"[]", b'{"id": "e1", "type": "voucher.redeemed"}', b"not json",
                 b'{"id": "e1", "type": "voucher.redeemed", "code": "BODY0001", "occurred_at": "yesterday"}'):
        signature = hmac.new(pool["callback_secret"].encode(), timestamp.encode() + b"." + body,
                             hashlib.sha256).hexdigest()
        response = client.post(f"/v1/webhooks/vouchers/{pool['id']}", data=body,
                               headers={"Fission-Signature": f"t={timestamp},v1={signature}"})
        assert (response.status_code, response.get_json()["reason"]) == (422, "invalid_request"), body
    assert voucher(tenant, "BODY0001")["status"] == "available"


def test_an_event_naming_something_that_cannot_be_a_code_is_acknowledged(client, tenant):
    pool = platform_pool(tenant, ["LONG0001"])

    response = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="9" * 200))
    odd = send_callback(client, pool, *signed_callback(pool["callback_secret"], code="LONG0001", type_="voucher.lost"))

    assert [(r.status_code, r.get_json()["outcome"]) for r in (response, odd)] == [(200, "unknown_code"),
                                                                                  (200, "ignored")]
    assert voucher(tenant, "LONG0001")["status"] == "available"
