"""Every finance report, statement and list answers `text/csv` when `Accept` asks for it: streamed, a header row
of the JSON fields (nested ones joined with `.`), one row per item (every item, not one page) or one row for a
report that is one object, amounts in minor units as in JSON."""

import csv
import io

import pytest
from flask import Response

from core.csv_export import BOM, columns, stream
from core.tenancy import tenant_scope
from shop.finance import service
from shop.finance.schemas import WithdrawalSchema
from tests.api.distribution.builders import bound_to, buy, product
from tests.api.finance.builders import distributor_with_available, move, pay_by_hand, withdraw

CSV = {"Accept": "text/csv"}


@pytest.fixture
def shop(tenant):
    """A distributor with 1,500 earned: 600 paid by hand (fee 10%), 300 rejected, 200 waiting; 300 more frozen."""
    distributor = distributor_with_available(tenant, prices=(10_000, 5_000))
    tenant.settings({"distribution": {"withdrawal_fee_rate": "0.1"}})
    pay_by_hand(tenant, withdraw(distributor, 600))
    move(tenant, withdraw(distributor, 300), "reject", {"reason": "Name, \"quoted\", and a comma"})
    withdraw(distributor, 200)
    _made, sku = product(tenant, 3_000)
    buy(tenant, bound_to(tenant, distributor), sku)
    return distributor


def as_csv(caller, path, **query) -> tuple[Response, list[dict], list[str]]:
    response = caller.get(path, query=query, headers=CSV, expect=200)
    assert response.mimetype == "text/csv" and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.is_streamed and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(text))
    return response, list(reader), reader.fieldnames


def test_a_list_is_every_item_matching_its_filters_one_row_each_with_the_json_fields(tenant, shop):
    page = tenant.admin.get("/v1/finance/withdrawals", query={"limit": 1}, expect=200).get_json()
    everything = tenant.admin.get("/v1/finance/withdrawals", query={"limit": 100}, expect=200).get_json()["data"]

    _response, rows, header = as_csv(tenant.admin, "/v1/finance/withdrawals", limit=1)
    _response, paid, _header = as_csv(tenant.admin, "/v1/finance/withdrawals", status="paid")

    assert page["has_more"] is True and len(rows) == len(everything) == 3
    assert header == list(everything[0]) == columns(WithdrawalSchema)
    assert [row["id"] for row in rows] == [item["id"] for item in everything]  # newest first, as in JSON
    assert [(row["amount"], row["fee"], row["net_amount"]) for row in paid] == [("600", "60", "540")]
    rejected = next(row for row in rows if row["status"] == "rejected")
    assert rejected["rejection_reason"] == 'Name, "quoted", and a comma' and rejected["paid_at"] == ""


def test_the_ledger_lists_as_csv(tenant, shop):
    _response, accounts, header = as_csv(tenant.admin, "/v1/finance/ledger/accounts", limit=1)
    _response, entries, _header = as_csv(tenant.admin, "/v1/finance/ledger/entries",
                                         account=f"distributor:{shop.distributor_id}:withdrawing")

    assert header == ["account", "balance", "currency"]
    assert sum(int(row["balance"]) for row in accounts) == 0 and len(accounts) > 1
    assert {row["kind"] for row in entries} == {"withdrawal.request", "withdrawal.payout", "withdrawal.reject"}
    assert sum(int(row["amount"]) for row in entries) == -200


def test_the_trial_balance_is_a_row_per_line_and_the_total(tenant, shop):
    report = tenant.admin.get("/v1/finance/reports/trial-balance", expect=200).get_json()

    _response, rows, header = as_csv(tenant.admin, "/v1/finance/reports/trial-balance")

    assert header[:2] == ["account", "type"] and "currency" in header
    assert [row["account"] for row in rows] == [line["account"] for line in report["accounts"]] + ["total"]
    assert rows[-1]["balance"] == "0" and sum(int(row["balance"]) for row in rows[:-1]) == 0
    assert int(rows[-1]["debit"]) == report["debits"] == int(rows[-1]["credit"])


def test_a_statement_is_a_row_per_line_with_its_head_and_the_running_balance(tenant, shop):
    path = f"/v1/finance/statements/{shop.distributor_id}"
    statement = tenant.admin.get(path, expect=200).get_json()

    _response, rows, header = as_csv(tenant.admin, path)

    assert len(rows) == len(statement["lines"])
    assert {"opening.frozen", "closing.withdrawing", "at", "kind", "bucket", "amount", "balance"} <= set(header)
    assert {row["closing.available"] for row in rows} == {str(statement["closing"]["available"])}
    last = {}
    for row in rows:
        last[row["bucket"]] = int(row["balance"])
    assert last == {bucket: statement["closing"][bucket] for bucket in last}


def test_a_report_that_is_one_object_is_one_row_with_nested_fields_joined_by_dots(tenant, shop):
    report = tenant.admin.get("/v1/finance/reports/reconciliation", expect=200).get_json()

    _response, [row], header = as_csv(tenant.admin, "/v1/finance/reports/reconciliation")
    _response, [commissions], _header = as_csv(tenant.admin, "/v1/finance/reports/commissions")

    assert "orders.paid" in header and "ledger.balanced" in header and "payouts.manual" in header
    assert row["orders.paid"] == str(report["orders"]["paid"]) and row["ledger.balanced"] == "true"
    assert row["discrepancies"] == "0"  # how many: they have a CSV of their own
    assert (commissions["accrued"], commissions["withdrawn"], commissions["fees"]) == ("1800", "600", "60")


def test_discrepancies_have_a_csv_of_their_own(tenant, shop):
    _response, rows, header = as_csv(tenant.admin, "/v1/finance/reports/reconciliation/discrepancies")

    assert rows == [] and header[:2] == ["kind", "message"]


def test_distributions_and_loyaltys_finance_lists_and_reports_answer_csv_too(tenant, shop):
    _response, commissions, _header = as_csv(tenant.admin, "/v1/finance/commissions", limit=1)
    _response, settlements, _header = as_csv(tenant.admin, "/v1/finance/settlements")
    _response, [points], points_header = as_csv(tenant.admin, "/v1/finance/reports/points")
    _response, pools, _header = as_csv(tenant.admin, "/v1/finance/reports/vouchers")

    assert len(commissions) == 3 and {row["status"] for row in commissions} == {"settled", "frozen"}
    assert len(settlements) == 1 and settlements[0]["amount"] == "1500"
    assert "liability.amount" in points_header and points["issued"].isdigit()
    assert pools == []


def test_json_stays_the_default_and_refusals_stay_json(tenant, shop):
    assert tenant.admin.get("/v1/finance/withdrawals", headers={"Accept": "*/*"}, expect=200).is_json
    assert tenant.admin.get("/v1/finance/withdrawals", headers={"Accept": "application/json, text/csv"},
                            expect=200).is_json
    missing = tenant.admin.get("/v1/finance/statements/dst_doesnotexist00000000000000", headers=CSV, expect=404)
    backwards = tenant.admin.get("/v1/finance/reports/commissions", query={"from": "2025-02-01", "to": "2025-01-01"},
                                 headers=CSV, expect=422)
    forbidden = tenant.key("staff").get("/v1/finance/withdrawals", headers=CSV, expect=403)

    assert missing.get_json()["reason"] == "not_found"
    assert backwards.get_json()["reason"] == "invalid_request"
    assert forbidden.get_json()["reason"] == "forbidden"


def test_the_consoles_downloads_get_a_byte_order_mark(app, tenant, shop):
    with app.test_request_context(), tenant_scope(tenant.id):
        response = stream(WithdrawalSchema, service.iter_withdrawals, filename="withdrawals", bom=True,
                          status="paid")
    text = "".join(response.response)

    assert text.startswith(BOM + "id,amount,fee")
    assert len(text.strip().splitlines()) == 2
