"""Redeeming in store: lookup changes nothing, verify redeems once with every refusal's reason, reverse within
the window; unknown codes count against the credential until it is refused for a while."""

from datetime import UTC, datetime, timedelta

from core import clock
from loyalty.vouchers import rules
from tests.api.loyalty.vouchers import (
    POOLS,
    counts,
    create_pool,
    grant,
    issued_code,
    lookalike_code,
    pool_with_codes,
    unique_code,
    verify,
    voucher,
)
from tests.api.shop.builders import create_product, place_order, sku_id

LOOKUP, VERIFY = "/v1/admin/vouchers/lookup", "/v1/admin/vouchers/verify"


def reverse(caller, voucher_id: str, *, expect: int = 200) -> dict:
    return caller.post(f"/v1/admin/vouchers/{voucher_id}/reverse", expect=expect).get_json()


def test_a_lookup_shows_the_voucher_and_its_pool_and_changes_nothing(tenant):
    pool = pool_with_codes(tenant, ["LOOK-0001"], platform="meituan", name="Hotpot")

    found = tenant.key("staff").post(LOOKUP, {"code": " look 0001 "}, expect=200).get_json()

    assert (found["code"], found["status"], found["redeemed_at"], found["conflict"]) == (
        "LOOK0001", "available", None, False)
    assert found["pool"] == {"id": pool["id"], "name": "Hotpot", "platform": "meituan", "direction": "accept",
                             "face_value": 1000, "valid_from": None, "valid_until": None, "status": "active"}
    assert counts(tenant, pool)["available"] == 1


def test_staff_verify_an_accepted_code_once(tenant):
    pool = pool_with_codes(tenant, ["VERI0001"])
    staff = tenant.key("staff")

    redeemed = verify(staff, "veri-0001", location="Store 3, till 2")
    again = verify(staff, "VERI0001", expect=409)

    assert (redeemed["status"], redeemed["redeemed_via"], redeemed["location"]) == ("redeemed", "store",
                                                                                     "Store 3, till 2")
    assert redeemed["redeemed_at"] is not None
    assert again["reason"] == "voucher_already_redeemed"
    assert (counts(tenant, pool)["redeemed"], counts(tenant, pool)["available"]) == (1, 0)


def test_an_issued_code_is_verified_only_once_it_was_handed_out(tenant):
    shopper = tenant.consumer()
    pool = pool_with_codes(tenant, ["GIVE0001", "GIVE0002"], direction="issue", platform="offline")
    grant(tenant, pool, [shopper.customer_id])
    held = shopper.get("/v1/storefront/vouchers", expect=200).get_json()["data"][0]["code"]
    never_given = ({"GIVE0001", "GIVE0002"} - {held}).pop()

    assert verify(tenant.admin, never_given, expect=409)["reason"] == "voucher_not_issued"
    assert verify(tenant.admin, held)["customer_id"] == shopper.customer_id


def test_unknown_and_mistyped_codes_are_not_found(tenant):
    generated_pool = create_pool(tenant)
    tenant.admin.post(f"{POOLS}/{generated_pool['id']}/codes/generate", {"count": 1}, expect=201)
    code = tenant.admin.get(f"{POOLS}/{generated_pool['id']}/vouchers", expect=200).get_json()["data"][0]["code"]
    typo = code[:3] + ("Z" if code[3] != "Z" else "Y") + code[4:]

    for attempt in ("NOPE1234", typo, "ab", "名字不对的码"):
        assert verify(tenant.admin, attempt, expect=404)["reason"] == "voucher_not_found"
    assert not rules.has_valid_check_character(typo)


def test_a_mistyped_generated_code_is_not_found_says_so_and_counts_as_a_guess(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 1}})
    pool = create_pool(tenant)
    tenant.admin.post(f"{POOLS}/{pool['id']}/codes/generate", {"count": 1}, expect=201)
    code = tenant.admin.get(f"{POOLS}/{pool['id']}/vouchers", expect=200).get_json()["data"][0]["code"]
    typo = code[:3] + ("Z" if code[3] != "Z" else "Y") + code[4:]

    refused = verify(tenant.admin, typo, expect=404)

    assert refused["reason"] == "voucher_not_found" and "mistyped" in refused["message"]
    assert tenant.admin.post(LOOKUP, {"code": code}).status_code == 429


def test_an_imported_code_that_looks_like_a_mistyped_generated_one_is_found_verified_and_used_at_checkout(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 1}})
    at_the_counter, at_checkout = lookalike_code(), lookalike_code()
    pool_with_codes(tenant, [at_the_counter, at_checkout])
    staff = tenant.key("staff")
    tea = create_product(tenant, skus=[{"price": 5000, "stock": 5}])

    found = staff.post(LOOKUP, {"code": at_the_counter.lower()}, expect=200).get_json()
    redeemed = verify(staff, at_the_counter)
    order = place_order(tenant.consumer(), [(sku_id(tea), 1)], voucher_code=at_checkout)

    assert not any(rules.has_valid_check_character(code) for code in (at_the_counter, at_checkout))
    assert (found["code"], found["status"]) == (at_the_counter, "available")
    assert (redeemed["status"], redeemed["redeemed_via"]) == ("redeemed", "store")
    assert (order["voucher_code"], order["voucher_deduction"]) == (at_checkout, 1000)
    assert voucher(tenant, at_checkout)["status"] == "locked"
    # Nothing above counted as a guess (the limit is 1): a second verification is refused as redeemed.
    assert verify(staff, at_the_counter, expect=409)["reason"] == "voucher_already_redeemed"


def test_a_code_held_by_an_unpaid_order_is_locked(tenant):
    pool_with_codes(tenant, ["HELD0001"])
    tea = create_product(tenant, skus=[{"price": 5000, "stock": 5}])
    place_order(tenant.consumer(), [(sku_id(tea), 1)], voucher_code="HELD0001")

    assert verify(tenant.admin, "HELD0001", expect=409)["reason"] == "voucher_locked"


def test_codes_outside_their_pools_validity_are_refused_with_the_reason(tenant):
    soon = datetime.now(UTC) + timedelta(hours=1)
    later = create_pool(tenant, valid_from=(soon + timedelta(days=1)).isoformat())
    ending = pool_with_codes(tenant, ["ENDS0001"], valid_until=soon.isoformat())
    tenant.admin.post(f"/v1/admin/voucher-pools/{later['id']}/codes", {"codes": ["LATE0001"]}, expect=201)

    assert verify(tenant.admin, "LATE0001", expect=409)["reason"] == "voucher_not_yet_valid"
    with clock.travel(timedelta(hours=2)):
        assert verify(tenant.admin, "ENDS0001", expect=409)["reason"] == "voucher_expired"
        assert voucher(tenant, "ENDS0001")["status"] == "expired"
    assert counts(tenant, ending)["available"] == 1


def test_an_archived_pools_codes_are_void(tenant):
    pool = pool_with_codes(tenant, ["VOID0001"])
    tenant.admin.patch(f"{POOLS}/{pool['id']}", {"status": "archived"}, expect=200)

    assert verify(tenant.admin, "VOID0001", expect=409)["reason"] == "voucher_void"
    assert voucher(tenant, "VOID0001")["status"] == "void"


def test_a_store_redemption_is_reversed_within_the_window_back_to_how_it_was(tenant):
    shopper = tenant.consumer()
    accepted = pool_with_codes(tenant, ["BACK0001"])
    code = issued_code(tenant, shopper)
    staff = tenant.key("staff")

    first = reverse(staff, verify(staff, "BACK0001")["id"])
    second = reverse(staff, verify(staff, code)["id"])

    assert (first["status"], first["redeemed_at"], first["redeemed_via"]) == ("available", None, None)
    assert (second["status"], second["customer_id"]) == ("issued", shopper.customer_id)
    assert counts(tenant, accepted)["available"] == 1
    assert verify(staff, "BACK0001")["status"] == "redeemed"


def test_a_reversal_after_the_window_or_of_what_was_not_redeemed_in_store_is_refused(tenant):
    pool_with_codes(tenant, ["LATE1111", "LATE2222", "LATE3333"])
    redeemed = verify(tenant.admin, "LATE1111")
    never_redeemed = voucher(tenant, "LATE2222")

    assert reverse(tenant.admin, never_redeemed["id"], expect=409)["reason"] == "invalid_state"
    with clock.travel(timedelta(minutes=61)):
        assert reverse(tenant.admin, redeemed["id"], expect=409)["reason"] == "reverse_window_closed"
    tenant.settings({"vouchers": {"reverse_window_minutes": 0}})
    assert reverse(tenant.admin, verify(tenant.admin, "LATE3333")["id"], expect=409)["reason"] == \
        "reverse_window_closed"
    assert reverse(tenant.admin, "vch_doesnotexist", expect=404)["reason"] == "not_found"


def test_staff_and_admins_verify_finance_and_consumers_may_not(tenant):
    pool_with_codes(tenant, ["ROLE0001"])
    finance, shopper = tenant.key("finance"), tenant.consumer()

    for caller in (finance, shopper):
        caller.post(LOOKUP, {"code": "ROLE0001"}, expect=403)
        caller.post(VERIFY, {"code": "ROLE0001"}, expect=403)
    assert voucher(tenant, "ROLE0001")["status"] == "available"


def test_a_verification_is_idempotent_per_key(tenant):
    pool_with_codes(tenant, ["ONCE0001"])
    headers = {"Idempotency-Key": "till-2-scan-81"}

    first = tenant.admin.post(VERIFY, {"code": "ONCE0001"}, headers=headers, expect=200)
    replay = tenant.admin.post(VERIFY, {"code": "ONCE0001"}, headers=headers, expect=200)

    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json() == first.get_json()


def test_too_many_unknown_codes_refuse_every_lookup_of_that_credential_for_a_while(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 3}})
    pool_with_codes(tenant, ["REAL0001"])
    guesser, colleague = tenant.key("staff"), tenant.key("staff")

    for _ in range(3):
        verify(guesser, unique_code("GUESS"), expect=404)
    blocked = guesser.post(VERIFY, {"code": "REAL0001"})
    blocked_lookup = guesser.post(LOOKUP, {"code": "REAL0001"})

    assert (blocked.status_code, blocked.get_json()["reason"]) == (429, "too_many_attempts")
    assert 590 <= int(blocked.headers["Retry-After"]) <= 600
    assert blocked_lookup.status_code == 429
    assert verify(colleague, "REAL0001")["status"] == "redeemed"
    with clock.travel(timedelta(minutes=10, seconds=1)):
        assert verify(guesser, "REAL0001", expect=409)["reason"] == "voucher_already_redeemed"


def test_the_window_slides_so_old_failures_stop_counting_one_by_one(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 3}})
    pool_with_codes(tenant, ["SLID0001"])
    guesser = tenant.key("staff")
    verify(guesser, unique_code(), expect=404)
    verify(guesser, unique_code(), expect=404)

    with clock.travel(timedelta(minutes=5)):
        verify(guesser, unique_code(), expect=404)
        blocked = guesser.post(LOOKUP, {"code": "SLID0001"})
    with clock.travel(timedelta(minutes=10, seconds=1)):
        freed = guesser.post(LOOKUP, {"code": "SLID0001"})

    assert blocked.status_code == 429 and 295 <= int(blocked.headers["Retry-After"]) <= 300
    assert freed.status_code == 200


def test_a_refused_guess_replayed_with_its_idempotency_key_is_tried_again_later(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 1}})
    pool_with_codes(tenant, ["KEPT0001"])
    verify(tenant.admin, unique_code(), expect=404)
    headers = {"Idempotency-Key": "retry-after-429"}

    assert tenant.admin.post(VERIFY, {"code": "KEPT0001"}, headers=headers).status_code == 429
    with clock.travel(timedelta(minutes=11)):
        assert tenant.admin.post(VERIFY, {"code": "KEPT0001"}, headers=headers).status_code == 200
