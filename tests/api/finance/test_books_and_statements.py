"""The ledger as finance reads it (accounts, entries, the trial balance) and distributors' statements over periods
of the tenant's local days: `from` inclusive, `to` exclusive; per bucket the lines add up to closing - opening."""

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from core import clock
from core.db import utcnow
from tests.api.distribution.builders import approved_distributor, settle
from tests.api.finance.builders import (
    balance,
    earning,
    move,
    pay_by_hand,
    shop_with_distribution,
    trial_balance,
    withdraw,
)

BUCKETS = ("frozen", "available", "withdrawing")


@contextmanager
def at(instant: datetime):
    """Act as if it were `instant` (UTC)."""
    with clock.travel(instant - utcnow()):
        yield


def statement(tenant, distributor, **period) -> dict:
    return tenant.admin.get(f"/v1/finance/statements/{distributor.distributor_id}", query=period,
                            expect=200).get_json()


def lines_add_up(found: dict) -> bool:
    """Per bucket, and all together."""
    moved = sum(line["amount"] for line in found["lines"])
    return all(sum(line["amount"] for line in found["lines"] if line["bucket"] == bucket)
               == found["closing"][bucket] - found["opening"][bucket] for bucket in BUCKETS) and \
        moved == sum(found["closing"].values()) - sum(found["opening"].values())


@pytest.fixture
def three_months(tenant):
    """A Shanghai shop (UTC+8). March: 1,500 earned and settled, late on the 31st local time. April, just after
    local midnight on the 1st: 600 asked for, fee 10%. May: that withdrawal paid by hand, 300 more asked for and
    rejected."""
    shop_with_distribution(tenant)
    tenant.settings({"distribution": {"withdrawal_fee_rate": "0.1"}})
    distributor = approved_distributor(tenant)
    with at(datetime(2025, 3, 31, 15, 30, tzinfo=UTC)):  # 23:30 on March 31st in Shanghai
        earning(tenant, distributor, prices=(10_000, 5_000))
        settle(tenant)
    with at(datetime(2025, 3, 31, 16, 10, tzinfo=UTC)):  # 00:10 on April 1st in Shanghai
        first = withdraw(distributor, 600)
    with at(datetime(2025, 5, 10, 4, 0, tzinfo=UTC)):
        pay_by_hand(tenant, first)
        second = withdraw(distributor, 300)
        move(tenant, second, "reject", {"reason": "asked twice"})
    return distributor


def test_a_statement_of_a_local_month_holds_its_lines_and_they_add_up(tenant, three_months):
    march = statement(tenant, three_months, **{"from": "2025-03-01", "to": "2025-04-01"})
    april = statement(tenant, three_months, **{"from": "2025-04-01", "to": "2025-05-01"})
    may = statement(tenant, three_months, **{"from": "2025-05-01", "to": "2025-06-01"})

    assert march["from"] == "2025-03-01T00:00:00+08:00" and march["to"] == "2025-04-01T00:00:00+08:00"
    assert {line["kind"] for line in march["lines"]} == {"commission.accrual", "commission.settle"}
    assert march["opening"] == dict.fromkeys(BUCKETS, 0)
    assert march["closing"] == {"frozen": 0, "available": 1500, "withdrawing": 0}
    assert [(line["kind"], line["bucket"], line["amount"]) for line in april["lines"]] == [
        ("withdrawal.request", "available", -600), ("withdrawal.request", "withdrawing", 600)]
    assert april["lines"][0]["withdrawal_id"] and april["opening"] == march["closing"]
    assert april["closing"] == {"frozen": 0, "available": 900, "withdrawing": 600}
    assert may["opening"] == april["closing"]
    assert may["closing"] == {"frozen": 0, "available": 900, "withdrawing": 0}
    payout = [line for line in may["lines"] if line["kind"] == "withdrawal.payout"]
    assert [(line["bucket"], line["amount"]) for line in payout] == [("withdrawing", -600)]  # the money left
    assert all(lines_add_up(found) for found in (march, april, may))


def test_a_statement_without_a_period_opens_at_nothing_and_closes_at_the_balance(tenant, three_months):
    whole = statement(tenant, three_months)

    assert whole["opening"] == dict.fromkeys(BUCKETS, 0)
    shown = balance(three_months)
    assert whole["closing"] == {bucket: shown[bucket] for bucket in BUCKETS} and shown["withdrawn"] == 600
    assert lines_add_up(whole)
    accruals = [line for line in whole["lines"] if line["kind"] == "commission.accrual"]
    assert [line["amount"] for line in accruals] == [1000, 500] and all(line["order_id"] for line in accruals)
    assert [line["settlement_id"] is not None for line in whole["lines"] if line["kind"] == "commission.settle"] \
        == [True, True]


def test_date_times_are_taken_as_given_and_local_without_an_offset(tenant, three_months):
    before_midnight = statement(tenant, three_months, **{"from": "2025-03-31T23:00:00", "to": "2025-04-01T00:00:00"})
    after = statement(tenant, three_months, **{"from": "2025-03-31T16:00:00+00:00"})

    assert {line["kind"] for line in before_midnight["lines"]} == {"commission.accrual", "commission.settle"}
    assert after["lines"][0]["kind"] == "withdrawal.request" and lines_add_up(after)


def test_a_period_that_ends_before_it_starts_or_is_not_a_date_is_invalid(tenant, three_months):
    path = f"/v1/finance/statements/{three_months.distributor_id}"

    backwards = tenant.admin.get(path, query={"from": "2025-05-01", "to": "2025-04-01"}, expect=422).get_json()
    garbage = tenant.admin.get(path, query={"from": "last month"}, expect=422).get_json()

    assert backwards["reason"] == garbage["reason"] == "invalid_request"
    tenant.admin.get("/v1/finance/reports/commissions", query={"from": "2025-05-01", "to": "2025-05-01"},
                     expect=422)


def test_an_unknown_distributor_has_no_statement(tenant, three_months):
    tenant.admin.get("/v1/finance/statements/dst_doesnotexist00000000000000", expect=404)


def test_the_trial_balance_rolls_accounts_into_lines_that_sum_to_zero_with_opening_debits_and_credits(
        tenant, three_months):
    april = trial_balance(tenant, **{"from": "2025-04-01", "to": "2025-05-01"})
    now = trial_balance(tenant)

    lines = {line["account"]: line for line in april["accounts"]}
    assert april["total"] == 0 and april["currency"] == "CNY"
    assert lines["commissions:expense"]["opening"] == 1500 and lines["commissions:expense"]["balance"] == 1500
    assert (lines["distributors:available"]["opening"], lines["distributors:available"]["debit"],
            lines["distributors:available"]["balance"]) == (-1500, 600, -900)
    assert lines["distributors:withdrawing"]["credit"] == 600
    assert lines["distributors:paid"]["type"] == "cash" and lines["distributors:fees"]["type"] == "fee_income"
    assert all(line["balance"] == line["opening"] + line["debit"] - line["credit"] for line in april["accounts"])
    final = {line["account"]: line["balance"] for line in now["accounts"]}
    assert final == {"commissions:expense": 1500, "distributors:frozen": 0, "distributors:available": -900,
                     "distributors:withdrawing": 0, "distributors:paid": -540, "distributors:fees": -60}
    assert now["total"] == 0 and now["debits"] == now["credits"]


def test_ledger_accounts_are_listed_by_name_a_page_at_a_time_and_entries_by_account(tenant, three_months):
    prefix = f"distributor:{three_months.distributor_id}:"
    first = tenant.admin.get("/v1/finance/ledger/accounts", query={"prefix": prefix, "limit": 2},
                             expect=200).get_json()
    rest = tenant.admin.get("/v1/finance/ledger/accounts", query={
        "prefix": prefix, "starting_after": first["data"][-1]["account"]}, expect=200).get_json()
    everything = tenant.admin.get("/v1/finance/ledger/accounts", expect=200).get_json()

    found = {row["account"]: row["balance"] for row in first["data"] + rest["data"]}
    assert first["has_more"] is True and rest["has_more"] is False
    assert found == {f"{prefix}available": -900, f"{prefix}fees": -60, f"{prefix}frozen": 0, f"{prefix}paid": -540,
                     f"{prefix}withdrawing": 0}
    assert sum(row["balance"] for row in everything["data"]) == 0
    entries = tenant.admin.get("/v1/finance/ledger/entries", query={"account": f"{prefix}withdrawing"},
                               expect=200).get_json()["data"]
    assert [(entry["kind"], entry["amount"]) for entry in entries] == [
        ("withdrawal.reject", 300), ("withdrawal.request", -300), ("withdrawal.payout", 600),
        ("withdrawal.request", -600)]
    assert all(entry["reference"].startswith("wdr_") for entry in entries)
    may = tenant.admin.get("/v1/finance/ledger/entries", query={"account": f"{prefix}withdrawing",
                                                                "from": "2025-05-01"}, expect=200).get_json()["data"]
    assert len(may) == 3


def test_entries_of_one_reference_are_a_withdrawals_whole_story(tenant, three_months):
    [paid] = [w for w in tenant.admin.get("/v1/finance/withdrawals", query={"status": "paid"},
                                          expect=200).get_json()["data"]]

    entries = tenant.admin.get("/v1/finance/ledger/entries", query={"reference": paid["id"]}, expect=200).get_json()

    assert {entry["kind"] for entry in entries["data"]} == {"withdrawal.request", "withdrawal.payout"}
    assert sum(entry["amount"] for entry in entries["data"]) == 0
