"""Stripe Connect payouts against a local stand-in of Stripe's Transfers API (localstripe has no Connect), with
jobs run right after each commit: approval -> processing -> paid with the transfer's id, or failed with the amount
back; Stripe unreachable is retried; a second run makes no second transfer."""

from datetime import timedelta

import pytest

from core import clock, jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from shop.finance import service
from shop.payments import config, gateway
from tests.api.finance.builders import balance, distributor_with_available, move, reconciliation, withdraw


@pytest.fixture
def connected(tenant, connect):
    """A stripe_connect shop (fee 2%) and a distributor with 1,500 available and a connected account."""
    distributor = distributor_with_available(tenant, prices=(10_000, 5_000))
    tenant.settings({"distribution": {"payout_method": "stripe_connect", "withdrawal_fee_rate": "0.02"}})
    distributor.account = connect.open_account()
    distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                        json={"stripe_account_id": distributor.account}, expect=200)
    return distributor


def withdrawal(tenant, requested) -> dict:
    return tenant.admin.get(f"/v1/finance/withdrawals/{requested['id']}", expect=200).get_json()


def test_approval_transfers_the_net_amount_and_marks_the_withdrawal_paid(tenant, connect, connected):
    requested = withdraw(connected, 1000)

    approved = move(tenant, requested, "approve")

    assert approved["status"] == "processing"  # the transfer is made by a job, after the approval commits
    paid = withdrawal(tenant, requested)
    [transfer] = connect.transfers()
    assert paid["status"] == "paid" and paid["transfer_id"] == transfer["id"] and paid["paid_by"] is None
    assert (transfer["amount"], transfer["currency"], transfer["destination"]) == (980, "cny", connected.account)
    assert transfer["metadata"]["withdrawal_id"] == requested["id"]
    assert ("POST", "/v1/transfers", f"withdrawal:{requested['id']}:transfer") in connect.state.calls
    assert balance(connected) == {"frozen": 0, "available": 500, "withdrawing": 0, "withdrawn": 1000}
    report = reconciliation(tenant)
    assert report["payouts"] == {"manual": 0, "stripe_connect": 980, "transfers": 1, "transferred": 980}
    assert report["discrepancies"] == []


def test_a_transfer_stripe_refuses_fails_the_withdrawal_and_gives_the_amount_back(tenant, connect, connected):
    connected.request("PUT", "/v1/storefront/distributor/payout-account",
                      json={"stripe_account_id": "acct_closedlongago"}, expect=200)
    requested = withdraw(connected, 1000)

    move(tenant, requested, "approve")

    failed = withdrawal(tenant, requested)
    assert failed["status"] == "failed" and "No such destination" in failed["failure_message"]
    assert failed["failed_at"] and failed["transfer_id"] is None
    assert connect.transfers() == []
    assert balance(connected) == {"frozen": 0, "available": 1500, "withdrawing": 0, "withdrawn": 0}
    assert move(tenant, requested, "mark-paid", {"reference": "x"}, expect=409)["reason"] == "invalid_state"
    assert reconciliation(tenant)["discrepancies"] == []


def test_stripe_unreachable_leaves_it_processing_and_the_jobs_retry_pays_it_once(tenant, connect, connected):
    requested = withdraw(connected, 600)
    connect.fail_next(2)  # the first call, and the SDK's own retry of it

    move(tenant, requested, "approve")

    assert withdrawal(tenant, requested)["status"] == "processing"
    assert move(tenant, requested, "reject", {"reason": "too slow"}, expect=409)["reason"] == "invalid_state"
    assert move(tenant, requested, "mark-paid", {"reference": "x"}, expect=409)["reason"] == "invalid_state"
    assert balance(connected)["withdrawing"] == 600
    with clock.travel(timedelta(minutes=1)):  # past the first backoff
        jobs.run_due(tenant_id=tenant.id)
    paid = withdrawal(tenant, requested)
    assert paid["status"] == "paid" and [t["id"] for t in connect.transfers()] == [paid["transfer_id"]]
    assert balance(connected) == {"frozen": 0, "available": 900, "withdrawing": 0, "withdrawn": 600}


def test_a_run_after_stripe_made_the_transfer_but_before_we_recorded_it_records_that_same_transfer(
        app, tenant, connect, connected):
    connect.fail_next(2)
    requested = withdraw(connected, 500)
    move(tenant, requested, "approve")  # the job could not reach Stripe: still processing
    with app.app_context(), unit_of_work() as session, tenant_scope(tenant.id):
        credentials = config.connect_credentials(session)
    # What a run that died after Stripe's answer left behind: a transfer under the withdrawal's key.
    made = gateway.create_transfer(credentials, amount=490, currency="CNY", destination=connected.account,
                                   metadata={"withdrawal_id": requested["id"],
                                             "distributor_id": connected.distributor_id},
                                   transfer_group=f"withdrawal:{requested['id']}",
                                   idempotency_key=f"withdrawal:{requested['id']}:transfer")

    with clock.travel(timedelta(minutes=1)):
        jobs.run_due(tenant_id=tenant.id)

    assert withdrawal(tenant, requested)["transfer_id"] == made.id
    assert [t["id"] for t in connect.transfers()] == [made.id]
    assert ("GET", "/v1/transfers", None) in connect.state.calls  # found by its transfer_group, not made again
    assert reconciliation(tenant)["discrepancies"] == []


def test_stripe_keeps_the_first_answer_for_the_withdrawals_key(app, tenant, connect, connected):
    requested = withdraw(connected, 500)
    move(tenant, requested, "approve")
    with app.app_context(), unit_of_work() as session, tenant_scope(tenant.id):
        credentials = config.connect_credentials(session)

    again = gateway.create_transfer(credentials, amount=490, currency="CNY", destination=connected.account,
                                    metadata={"withdrawal_id": requested["id"],
                                              "distributor_id": connected.distributor_id},
                                    transfer_group=f"withdrawal:{requested['id']}",
                                    idempotency_key=f"withdrawal:{requested['id']}:transfer")

    assert again.id == withdrawal(tenant, requested)["transfer_id"] and connect.replays() == 1
    assert len(connect.transfers()) == 1


def test_a_payout_whose_job_gave_up_is_retried_by_finance_and_paid_once(tenant, connect, connected):
    requested = withdraw(connected, 600)
    connect.fail_next(2)
    move(tenant, requested, "approve")
    assert withdrawal(tenant, requested)["status"] == "processing"

    retried = move(tenant, requested, "retry-payout")

    assert retried["status"] == "processing"  # answered before the job ran
    paid = withdrawal(tenant, requested)
    assert paid["status"] == "paid" and [t["id"] for t in connect.transfers()] == [paid["transfer_id"]]
    assert move(tenant, requested, "retry-payout", expect=409)["reason"] == "invalid_state"
    with clock.travel(timedelta(minutes=1)):  # the first job's own retry finds it paid and does nothing
        jobs.run_due(tenant_id=tenant.id)
    assert len(connect.transfers()) == 1 and reconciliation(tenant)["discrepancies"] == []


def test_running_the_payout_again_changes_nothing(app, tenant, connect, connected):
    requested = withdraw(connected, 700)
    move(tenant, requested, "approve")

    with app.app_context(), tenant_scope(tenant.id):
        again = service.pay(withdrawal_id=requested["id"])

    assert again == "nothing to do"
    assert len(connect.transfers()) == 1
    assert balance(connected) == {"frozen": 0, "available": 800, "withdrawing": 0, "withdrawn": 700}
    assert reconciliation(tenant)["discrepancies"] == []


def test_a_transfer_reversed_at_stripe_is_found_by_the_recheck_and_reported(app, tenant, connect, connected):
    requested = withdraw(connected, 1000)
    move(tenant, requested, "approve")
    connect.reverse(withdrawal(tenant, requested)["transfer_id"])

    with clock.travel(timedelta(hours=7)), app.app_context(), tenant_scope(tenant.id):
        checked = service.recheck_transfers()

    assert checked == 1
    [found] = reconciliation(tenant)["discrepancies"]
    assert found["kind"] == "payout_mismatch" and found["withdrawal_id"] == requested["id"]
    assert found["transfer_id"] == withdrawal(tenant, requested)["transfer_id"] and found["actual"] == 0
