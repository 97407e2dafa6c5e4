"""Withdrawals: the amount leaves `available` at once, the fee rounds half up, every refusal changes nothing, and
finance's moves are guarded on the state (anything else is 409 invalid_state)."""

import pytest

from tests.api.finance.builders import (
    balance,
    distributor_with_available,
    move,
    pay_by_hand,
    reconciliation,
    trial_balance,
    withdraw,
)

REFERENCE = {"reference": "ICBC-20250301-0042"}


@pytest.fixture
def distributor(tenant):
    """1,500 available (10% of 10,000 and of 5,000, settled)."""
    return distributor_with_available(tenant, prices=(10_000, 5_000))


def withdrawals_of(tenant, **filters):
    return tenant.admin.get("/v1/finance/withdrawals", query={"limit": 100, **filters}, expect=200).get_json()["data"]


def test_a_withdrawal_takes_its_amount_out_of_available_at_once_with_its_fee_rounded_half_up(tenant, distributor):
    tenant.settings({"distribution": {"withdrawal_fee_rate": "0.015"}})

    first = withdraw(distributor, 700)  # 10.5 -> 11
    second = withdraw(distributor, 300)  # 4.5 -> 5

    assert (first["amount"], first["fee"], first["net_amount"]) == (700, 11, 689)
    assert (second["amount"], second["fee"], second["net_amount"]) == (300, 5, 295)
    assert first["status"] == "requested" and first["method"] == "manual" and first["currency"] == "CNY"
    assert balance(distributor) == {"frozen": 0, "available": 500, "withdrawing": 1000, "withdrawn": 0}
    assert trial_balance(tenant)["total"] == 0


def test_an_amount_equal_to_the_minimum_is_fine_and_one_below_it_is_refused(tenant, distributor):
    tenant.settings({"distribution": {"min_withdrawal": 500}})

    refused = withdraw(distributor, 499, expect=409)
    accepted = withdraw(distributor, 500)

    assert refused["reason"] == "below_minimum_withdrawal"
    assert accepted["amount"] == 500
    assert balance(distributor)["available"] == 1000


def test_more_than_the_available_balance_is_refused_and_changes_nothing(tenant, distributor):
    refused = withdraw(distributor, 1501, expect=409)

    assert refused["reason"] == "insufficient_balance"
    assert balance(distributor) == {"frozen": 0, "available": 1500, "withdrawing": 0, "withdrawn": 0}
    assert withdrawals_of(tenant) == []
    assert withdraw(distributor, 1500)["amount"] == 1500  # all of it is fine


def test_an_amount_that_the_fee_would_eat_whole_is_refused(tenant, distributor):
    tenant.settings({"distribution": {"withdrawal_fee_rate": "1", "min_withdrawal": 1}})

    assert withdraw(distributor, 100, expect=409)["reason"] == "below_minimum_withdrawal"
    assert balance(distributor)["available"] == 1500


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", None, True])
def test_an_amount_that_is_not_a_positive_integer_is_invalid(tenant, distributor, amount):
    response = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": amount}, expect=422)

    assert response.get_json()["reason"] == "invalid_request"
    assert balance(distributor)["available"] == 1500


def test_stripe_connect_needs_a_payout_account_of_stripes_form(tenant, distributor):
    tenant.settings({"distribution": {"payout_method": "stripe_connect"}})

    missing = withdraw(distributor, 200, expect=409)
    badly_formed = distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                                       json={"stripe_account_id": "ba_123"}, expect=422).get_json()
    registered = distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                                     json={"stripe_account_id": "acct_1Nv0FGQ9RKHgCVdK"}, expect=200).get_json()
    accepted = withdraw(distributor, 200)

    assert missing["reason"] == "payout_account_missing"
    assert badly_formed["reason"] == "invalid_request" and "stripe_account_id" in badly_formed["errors"]["json"]
    assert registered["stripe_account_id"] == "acct_1Nv0FGQ9RKHgCVdK"
    assert registered["distributor_id"] == distributor.distributor_id
    assert accepted["method"] == "stripe_connect" and accepted["destination"] == "acct_1Nv0FGQ9RKHgCVdK"
    assert balance(distributor)["available"] == 1300


def test_a_manual_shop_needs_no_payout_account(tenant, distributor):
    assert withdraw(distributor, 200)["destination"] is None


def test_the_payout_account_can_be_replaced_and_read_back(tenant, distributor):
    put = "/v1/storefront/distributor/payout-account"
    distributor.get(put, expect=404)
    distributor.request("PUT", put, json={"stripe_account_id": "acct_first"}, expect=200)

    replaced = distributor.request("PUT", put, json={"stripe_account_id": "acct_second"}, expect=200).get_json()

    assert replaced["stripe_account_id"] == "acct_second"
    assert distributor.get(put, expect=200).get_json()["stripe_account_id"] == "acct_second"


def test_a_customer_without_a_distributor_account_cannot_withdraw_or_register_an_account(tenant, distributor):
    stranger = tenant.consumer()

    assert withdraw(stranger, 100, expect=404)["reason"] == "not_found"
    stranger.get("/v1/storefront/distributor/withdrawals", expect=404)
    stranger.request("PUT", "/v1/storefront/distributor/payout-account", json={"stripe_account_id": "acct_x"},
                     expect=404)


def test_a_replayed_request_returns_the_first_withdrawal_and_takes_the_money_once(tenant, distributor):
    first = withdraw(distributor, 400, key="tap-1")
    again = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 400},
                             headers={"Idempotency-Key": "tap-1"}, expect=201)
    reused = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 401},
                              headers={"Idempotency-Key": "tap-1"}, expect=422).get_json()

    assert again.get_json()["id"] == first["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert reused["reason"] == "idempotency_key_reused"
    assert balance(distributor)["available"] == 1100
    assert len(withdrawals_of(tenant)) == 1


def test_the_method_is_the_one_in_force_when_the_withdrawal_was_requested(tenant, distributor):
    requested = withdraw(distributor, 300)
    tenant.settings({"distribution": {"payout_method": "stripe_connect"}})

    approved = move(tenant, requested, "approve")

    assert approved["method"] == "manual" and approved["status"] == "approved"


def test_finance_approves_a_manual_withdrawal_and_records_its_payment_by_hand(tenant, distributor):
    tenant.settings({"distribution": {"withdrawal_fee_rate": "0.1"}})
    finance = tenant.key("finance")
    requested = withdraw(distributor, 1000)

    approved = move(tenant, requested, "approve", caller=finance)
    paid = move(tenant, requested, "mark-paid", REFERENCE, caller=finance)

    assert approved["status"] == "approved" and approved["approved_at"] and approved["approved_by"]
    assert paid["status"] == "paid" and paid["reference"] == REFERENCE["reference"] and paid["paid_at"]
    assert paid["paid_by"] == approved["approved_by"]
    assert balance(distributor) == {"frozen": 0, "available": 500, "withdrawing": 0, "withdrawn": 1000}
    report = trial_balance(tenant)
    lines = {line["account"]: line["balance"] for line in report["accounts"]}
    assert lines["distributors:paid"] == -900 and lines["distributors:fees"] == -100 and report["total"] == 0
    assert reconciliation(tenant)["discrepancies"] == []


@pytest.mark.parametrize("approved_first", [False, True])
def test_a_rejected_withdrawal_gives_its_amount_back(tenant, distributor, approved_first):
    requested = withdraw(distributor, 800)
    if approved_first:  # approved, but the bank transfer could not be made
        move(tenant, requested, "approve")

    rejected = move(tenant, requested, "reject", {"reason": "Bank details do not match"})

    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Bank details do not match"
    assert rejected["rejected_at"] and rejected["rejected_by"]
    assert balance(distributor) == {"frozen": 0, "available": 1500, "withdrawing": 0, "withdrawn": 0}
    assert reconciliation(tenant)["discrepancies"] == []


def test_a_reject_needs_its_reason(tenant, distributor):
    requested = withdraw(distributor, 800)

    assert move(tenant, requested, "reject", {}, expect=422)["reason"] == "invalid_request"
    assert move(tenant, requested, "mark-paid", {}, expect=422)["reason"] == "invalid_request"


def test_every_move_from_a_wrong_state_is_invalid_state_and_changes_nothing(tenant, distributor):
    requested, paid, rejected = withdraw(distributor, 300), withdraw(distributor, 300), withdraw(distributor, 300)
    pay_by_hand(tenant, paid)
    move(tenant, rejected, "reject", {"reason": "duplicate"})
    before = balance(distributor)

    wrong = [
        move(tenant, requested, "mark-paid", REFERENCE, expect=409),  # not approved yet
        move(tenant, paid, "approve", expect=409),
        move(tenant, paid, "reject", {"reason": "late"}, expect=409),
        move(tenant, paid, "mark-paid", REFERENCE, expect=409),
        move(tenant, rejected, "approve", expect=409),
        move(tenant, rejected, "reject", {"reason": "again"}, expect=409),
        move(tenant, rejected, "mark-paid", REFERENCE, expect=409),
    ]
    move(tenant, requested, "approve")
    wrong.append(move(tenant, requested, "approve", expect=409))

    assert {refusal["reason"] for refusal in wrong} == {"invalid_state"}
    assert balance(distributor) == before
    assert tenant.admin.get(f"/v1/finance/withdrawals/{paid['id']}", expect=200).get_json()["status"] == "paid"
    assert reconciliation(tenant)["discrepancies"] == []


def test_an_unknown_withdrawal_is_not_found(tenant, distributor):
    response = tenant.admin.post("/v1/finance/withdrawals/wdr_doesnotexist00000000000000/approve", expect=404)

    assert response.get_json()["reason"] == "not_found"


def test_stripe_connect_approval_needs_stripe_credentials(tenant, distributor):
    tenant.settings({"distribution": {"payout_method": "stripe_connect"}})
    distributor.request("PUT", "/v1/storefront/distributor/payout-account", json={"stripe_account_id": "acct_x1"},
                        expect=200)
    requested = withdraw(distributor, 300)

    refused = move(tenant, requested, "approve", expect=409)

    assert refused["reason"] == "payout_provider_not_configured"
    assert tenant.admin.get(f"/v1/finance/withdrawals/{requested['id']}", expect=200).get_json()["status"] == \
        "requested"


def test_lists_filter_by_status_and_distributor_and_a_distributor_sees_only_its_own(tenant, distributor):
    other = distributor_with_available(tenant, prices=(3_000,))
    mine, theirs = withdraw(distributor, 200), withdraw(other, 200)
    move(tenant, mine, "approve")

    assert [w["id"] for w in withdrawals_of(tenant, status="approved")] == [mine["id"]]
    assert [w["id"] for w in withdrawals_of(tenant, distributor_id=other.distributor_id)] == [theirs["id"]]
    own = distributor.get("/v1/storefront/distributor/withdrawals", expect=200).get_json()
    assert [w["id"] for w in own["data"]] == [mine["id"]] and own["has_more"] is False
    assert "approved_by" not in own["data"][0]  # the clerks' trail is finance's


@pytest.mark.parametrize("path", ["/v1/finance/withdrawals", "/v1/finance/ledger/accounts",
                                  "/v1/finance/ledger/entries", "/v1/finance/reports/trial-balance",
                                  "/v1/finance/reports/commissions", "/v1/finance/reports/reconciliation",
                                  "/v1/finance/reports/reconciliation/discrepancies"])
def test_staff_keys_and_consumers_may_not_read_finance(tenant, distributor, path):
    staff = tenant.key("staff")

    assert staff.get(path, expect=403).get_json()["reason"] == "forbidden"
    assert distributor.get(path, expect=403).get_json()["reason"] == "forbidden"
    tenant.key("finance").get(path, expect=200)
    tenant.admin.get(path, expect=200)


def test_staff_keys_and_consumers_may_not_move_withdrawals(tenant, distributor):
    requested = withdraw(distributor, 300)
    staff = tenant.key("staff")

    for action, body in (("approve", None), ("reject", {"reason": "no"}), ("mark-paid", REFERENCE)):
        assert move(tenant, requested, action, body, caller=staff, expect=403)["reason"] == "forbidden"
        assert move(tenant, requested, action, body, caller=distributor, expect=403)["reason"] == "forbidden"
    distributor.get(f"/v1/finance/statements/{distributor.distributor_id}", expect=403)
    assert tenant.admin.get(f"/v1/finance/withdrawals/{requested['id']}", expect=200).get_json()["status"] == \
        "requested"
