"""The reconciliation finds what does not tie: a healthy shop has no discrepancy; each row corrupted on purpose
(raw SQL in the tenant's scope, as a bad migration or a hand-edit would) is reported with its kind."""

import pytest
from sqlalchemy import text

from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from tests.api.distribution.builders import bound_to, buy, commissions, product
from tests.api.finance.builders import distributor_with_available, move, pay_by_hand, reconciliation, withdraw


@pytest.fixture
def books(tenant, connect):
    """1,500 earned and settled; 1,000 paid by Stripe (fee 10%: 900 transferred), 300 waiting for a Stripe that
    cannot be reached, 200 paid by hand; and a commission of 300 still frozen."""
    distributor = distributor_with_available(tenant, prices=(10_000, 5_000))
    tenant.settings({"distribution": {"payout_method": "stripe_connect", "withdrawal_fee_rate": "0.1"}})
    distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                        json={"stripe_account_id": connect.open_account()}, expect=200)
    by_stripe, stuck = withdraw(distributor, 1000), withdraw(distributor, 300)
    move(tenant, by_stripe, "approve")
    connect.fail_next(2)
    move(tenant, stuck, "approve")
    tenant.settings({"distribution": {"payout_method": "manual"}})
    by_hand = pay_by_hand(tenant, withdraw(distributor, 200))
    _made, sku = product(tenant, 3_000)
    frozen_order = buy(tenant, bound_to(tenant, distributor), sku)
    ids = {"distributor": distributor.distributor_id, "by_stripe": by_stripe["id"], "stuck": stuck["id"],
           "by_hand": by_hand["id"], "frozen": commissions(tenant, order_id=frozen_order["id"])[0]["id"],
           "settled": commissions(tenant, status="settled")[0]["id"],
           "settlement": tenant.admin.get("/v1/finance/settlements", expect=200).get_json()["data"][0]["id"]}
    assert reconciliation(tenant)["discrepancies"] == []
    return ids


def corrupt(tenant_id: str, sql: str, **params) -> None:
    with unit_of_work() as session, tenant_scope(tenant_id):
        session.execute(text(sql), {"tenant_id": tenant_id, **params})


def unbalanced_entry(tenant_id: str, ids: dict) -> None:
    transaction_id = new_id("ltx")
    corrupt(tenant_id, "INSERT INTO ledger_transactions (tenant_id, id, kind, key, created_at) "
            "VALUES (:tenant_id, :id, 'hand.edit', :key, CURRENT_TIMESTAMP)", id=transaction_id, key=transaction_id)
    corrupt(tenant_id, "INSERT INTO ledger_entries (tenant_id, id, transaction_id, account, currency, amount, "
            "created_at) VALUES (:tenant_id, :id, :transaction_id, 'commissions:expense', 'CNY', 7, CURRENT_TIMESTAMP)",
            id=new_id("len"), transaction_id=transaction_id)


def overdrawn(tenant_id: str, ids: dict) -> None:
    """A balanced transaction that takes more out of `withdrawing` than is in it."""
    transaction_id = new_id("ltx")
    corrupt(tenant_id, "INSERT INTO ledger_transactions (tenant_id, id, kind, key, created_at) "
            "VALUES (:tenant_id, :id, 'hand.edit', :key, CURRENT_TIMESTAMP)", id=transaction_id, key=transaction_id)
    for account, amount in ((f"distributor:{ids['distributor']}:withdrawing", 5000), ("commissions:expense", -5000)):
        corrupt(tenant_id, "INSERT INTO ledger_entries (tenant_id, id, transaction_id, account, currency, amount, "
                "created_at) VALUES (:tenant_id, :id, :transaction_id, :account, 'CNY', :amount, CURRENT_TIMESTAMP)",
                id=new_id("len"), transaction_id=transaction_id, account=account, amount=amount)


CORRUPTIONS = {
    "commission_exceeds_rate": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE commissions SET amount = amount + 100 WHERE tenant_id = :tenant_id AND id = :id",
        id=ids["frozen"]),
    "commission_without_payment": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE commissions SET line_id = 'oln_gone' WHERE tenant_id = :tenant_id AND id = :id",
        id=ids["settled"]),
    "ledger_unbalanced": unbalanced_entry,
    "negative_balance": overdrawn,
    "payout_mismatch": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE payout_transfers SET amount = amount - 1 WHERE tenant_id = :tenant_id "
        "AND withdrawal_id = :id", id=ids["by_stripe"]),
    "settlement_mismatch": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE settlements SET amount = amount + 1 WHERE tenant_id = :tenant_id AND id = :id",
        id=ids["settlement"]),
    "fee_mismatch": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE withdrawals SET fee = fee + 1, net_amount = net_amount - 1 WHERE tenant_id = :tenant_id "
        "AND id = :id", id=ids["by_hand"]),
    "withdrawal_ledger_mismatch": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE withdrawals SET status = 'paid', paid_at = CURRENT_TIMESTAMP WHERE tenant_id = :tenant_id "
        "AND id = :id", id=ids["stuck"]),
    "payout_overdue": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE withdrawals SET approved_at = approved_at - INTERVAL '2 days' WHERE tenant_id = :tenant_id "
        "AND id = :id", id=ids["stuck"]),
    "balance_mismatch": lambda tenant_id, ids: corrupt(
        tenant_id, "UPDATE commissions SET status = 'settled' WHERE tenant_id = :tenant_id AND id = :id",
        id=ids["frozen"]),
}

# What each corruption is about, as the discrepancy names it.
ABOUT = {"commission_exceeds_rate": ("commission_id", "frozen"), "commission_without_payment": ("commission_id",
                                                                                                 "settled"),
         "payout_mismatch": ("withdrawal_id", "by_stripe"), "settlement_mismatch": ("settlement_id", "settlement"),
         "fee_mismatch": ("withdrawal_id", "by_hand"), "withdrawal_ledger_mismatch": ("withdrawal_id", "stuck"),
         "payout_overdue": ("withdrawal_id", "stuck"), "negative_balance": ("distributor_id", "distributor"),
         "balance_mismatch": ("distributor_id", "distributor")}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_corrupted_row_is_reported_as_its_kind(tenant, books, kind):
    CORRUPTIONS[kind](tenant.id, books)

    report = reconciliation(tenant)

    found = [d for d in report["discrepancies"] if d["kind"] == kind]
    assert found, report["discrepancies"]
    if kind in ABOUT:
        field, name = ABOUT[kind]
        assert any(d[field] == books[name] for d in found), found
    assert all(d["message"] for d in report["discrepancies"])
    listed = tenant.admin.get("/v1/finance/reports/reconciliation/discrepancies", expect=200).get_json()
    assert listed["data"] == report["discrepancies"][:100] and listed["has_more"] is False


def test_an_unbalanced_ledger_says_so_in_the_ledger_figures_too(tenant, books):
    unbalanced_entry(tenant.id, books)

    report = reconciliation(tenant)

    assert report["ledger"]["balanced"] is False and report["ledger"]["total"] == 7
    kinds = [d for d in report["discrepancies"] if d["kind"] == "ledger_unbalanced"]
    assert {d["transaction_id"] is None for d in kinds} == {True, False}  # the books, and the transaction
    trial = tenant.admin.get("/v1/finance/reports/trial-balance", expect=200).get_json()
    assert trial["total"] == 7


def test_a_commission_raised_over_its_rule_is_caught_with_what_the_rule_allows(tenant, books):
    corrupt(tenant.id, "UPDATE commissions SET amount = 1500 WHERE tenant_id = :tenant_id AND id = :id",
            id=books["frozen"])

    [found] = [d for d in reconciliation(tenant)["discrepancies"] if d["kind"] == "commission_exceeds_rate"]

    assert (found["expected"], found["actual"]) == (300, 1500) and found["order_id"] and found["line_id"]


def test_discrepancies_of_objects_outside_the_period_are_left_out(tenant, books):
    CORRUPTIONS["fee_mismatch"](tenant.id, books)

    long_ago = {d["kind"] for d in reconciliation(tenant, **{"from": "2001-01-01", "to": "2001-02-01"})[
        "discrepancies"]}

    # Balances are checked as they stand, whatever the period; the withdrawal is not of that period.
    assert long_ago <= {"balance_mismatch", "negative_balance"} and "balance_mismatch" in long_ago
    assert "fee_mismatch" in {d["kind"] for d in reconciliation(tenant)["discrepancies"]}


def test_every_kind_at_once_is_reported(tenant, books):
    for kind in sorted(set(CORRUPTIONS) - {"withdrawal_ledger_mismatch"}):  # it would end the overdue payout;
        CORRUPTIONS[kind](tenant.id, books)  # the fee's corruption leaves its postings wrong anyway

    report = reconciliation(tenant)

    assert {d["kind"] for d in report["discrepancies"]} >= set(CORRUPTIONS)
