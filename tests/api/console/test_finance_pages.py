"""Finance in the console: settlement runs started and followed, withdrawals approved, rejected and marked paid
(a form submitted twice moves nothing twice), the reconciliation of a period with its discrepancies, the trial
balance, and every report as CSV with a byte-order mark, the same columns and rows as the API's CSV."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from core import jobs
from tests.api.console.conftest import new_key, signed_in
from tests.api.distribution.builders import approved_distributor, bound_to, buy, close_after_sales, product
from tests.api.finance.builders import (
    balance,
    distributor_with_available,
    move,
    pay_by_hand,
    shop_with_distribution,
    withdraw,
)
from tests.api.finance.test_reconciliation import corrupt
from tests.support.console import forms_of
from tests.support.stripe_connect import serving

BOM = "\ufeff"


def withdrawal_of(tenant, withdrawal: dict) -> dict:
    return tenant.admin.get(f"/v1/finance/withdrawals/{withdrawal['id']}", expect=200).get_json()


def row_of(page: str, object_id: str) -> str:
    """The table row standing for one object."""
    found = re.search(rf'<tr data-id="{object_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, object_id
    return found.group(0)


def form_in_row(browser, path: str, object_id: str, action: str):
    """The form of `action` inside the row of `object_id` (each row has its own forms)."""
    page = browser.get(path).get_data(as_text=True)
    row = row_of(page, object_id)
    [form] = [form for form in forms_of(row, path) if action in form.actions]
    return form


@pytest.fixture
def clerk(app, tenant):
    return signed_in(app, new_key(tenant, "finance"))


@pytest.fixture
def distributor(tenant):
    """A distributor with 100.00 available (10% of a 1,000.00 order), paid by hand."""
    return distributor_with_available(tenant, prices=(100_000,))


def test_the_page_shows_settlements_withdrawals_and_the_reports(clerk, tenant, distributor):
    paid = pay_by_hand(tenant, withdraw(distributor, 3000))
    waiting = withdraw(distributor, 2000)

    page = clerk.get("/console/finance").get_data(as_text=True)

    assert 'data-status="completed"' in page and 'data-action="run-settlement"' in page
    assert 'data-status="paid"' in row_of(page, paid["id"]) and paid["reference"] in row_of(page, paid["id"])
    assert 'data-status="requested"' in row_of(page, waiting["id"]) and "¥ 20.00" in row_of(page, waiting["id"])
    for action in ("approve-withdrawal", "reject-withdrawal"):
        assert f'data-action="{action}"' in row_of(page, waiting["id"])
    assert 'data-action="approve-withdrawal"' not in row_of(page, paid["id"])
    assert "/console/finance/reconciliation" in page and "/console/finance/trial-balance" in page
    assert re.search(r'data-figure="withdrawals-requested"><dt>[^<]*</dt><dd>1</dd><dd class="subtle">¥ 20.00', page)


def test_a_settlement_run_makes_due_commissions_available_and_a_second_submission_is_stale(clerk, tenant):
    shop_with_distribution(tenant)
    earner = approved_distributor(tenant)
    _made, sku = product(tenant, 50_000)
    close_after_sales(tenant, buy(tenant, bound_to(tenant, earner), sku))
    form = clerk.form("/console/finance", "run-settlement")

    started = clerk.submit("/console/finance", "run-settlement", form=form)
    again = clerk.submit("/console/finance", "run-settlement", form=form)

    assert started.status_code == 303 and "notice=settlement_started" in started.headers["Location"]
    assert balance(earner)["available"] == 5000  # the job ran (inline in tests, as a worker would)
    [run] = tenant.admin.get("/v1/finance/settlements", expect=200).get_json()["data"]
    assert (run["trigger"], run["status"], run["commissions"]) == ("on_demand", "completed", 1)
    assert again.status_code == 409 and 'data-reason="stale_form"' in again.get_data(as_text=True)
    assert len(tenant.admin.get("/v1/finance/settlements", expect=200).get_json()["data"]) == 1
    assert 'data-status="completed"' in row_of(clerk.get("/console/finance").get_data(as_text=True), run["id"])


def test_the_page_follows_a_run_until_its_job_has_run(clerk, tenant, monkeypatch):
    """While the run's job waits for a worker (jobs handed to a worker that has not taken them yet), the page
    shows its progress and reloads itself; once the job has run, the run is completed and the page stops."""
    shop_with_distribution(tenant)
    earner = approved_distributor(tenant)
    _made, sku = product(tenant, 50_000)
    close_after_sales(tenant, buy(tenant, bound_to(tenant, earner), sku))
    monkeypatch.setattr(jobs.runtime, "mode", "inline")  # nothing runs the job in this process until asked

    clerk.submit("/console/finance", "run-settlement")
    following = clerk.get("/console/finance").get_data(as_text=True)
    monkeypatch.setattr(jobs.runtime, "mode", "eager")
    jobs.run_due(tenant_id=tenant.id)
    finished = clerk.get("/console/finance").get_data(as_text=True)

    progress = re.search(r'<div class="progress" data-progress[^>]*>', following).group(0)
    assert 'aria-valuenow="0"' in progress and 'aria-valuemax="1"' in progress
    assert '<meta http-equiv="refresh" content="2">' in following and 'data-status="queued"' in following
    assert "data-progress" not in finished and 'http-equiv="refresh"' not in finished
    assert 'data-status="completed"' in finished and balance(earner)["available"] == 5000


def test_approve_then_mark_paid_and_double_submissions_move_nothing_twice(clerk, tenant, distributor):
    waiting = withdraw(distributor, 5000)
    approve = form_in_row(clerk, "/console/finance", waiting["id"], "approve-withdrawal")

    approved = clerk.submit("/console/finance", "approve-withdrawal", form=approve)
    approved_again = clerk.submit("/console/finance", "approve-withdrawal", form=approve)
    mark = form_in_row(clerk, "/console/finance", waiting["id"], "mark-paid")
    paid = clerk.submit("/console/finance", "mark-paid", {"reference": "ICBC-20261125-7"}, form=mark)
    paid_again = clerk.submit("/console/finance", "mark-paid", {"reference": "ICBC-OTHER"}, form=mark)

    assert approved.status_code == paid.status_code == 303
    assert "notice=withdrawal_paid" in paid.headers["Location"]
    assert approved_again.status_code == paid_again.status_code == 409
    assert 'data-reason="stale_form"' in paid_again.get_data(as_text=True)
    found = withdrawal_of(tenant, waiting)
    assert (found["status"], found["reference"]) == ("paid", "ICBC-20261125-7")
    assert found["approved_by"] and found["paid_by"]  # the clerk's key signs the moves
    assert balance(distributor) == {"frozen": 0, "available": 5000, "withdrawing": 0, "withdrawn": 5000}
    entries = tenant.admin.get("/v1/finance/ledger/entries", query={"reference": waiting["id"]},
                               expect=200).get_json()["data"]
    assert len({entry["transaction_id"] for entry in entries}) == 2  # the request and one payout


def test_mark_paid_needs_a_reference_and_reject_a_reason_at_their_fields(clerk, tenant, distributor):
    waiting = withdraw(distributor, 5000)
    move(tenant, waiting, "approve")

    no_reference = clerk.submit("/console/finance", "mark-paid", {"reference": " "},
                                form=form_in_row(clerk, "/console/finance", waiting["id"], "mark-paid"))
    no_reason = clerk.submit("/console/finance", "reject-withdrawal", {"reason": ""},
                             form=form_in_row(clerk, "/console/finance", waiting["id"], "reject-withdrawal"))

    for response, field in ((no_reference, "reference"), (no_reason, "reason")):
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'data-reason="invalid_request"' in page
        assert f'data-error-for="{field}"' in row_of(page, waiting["id"])
    assert withdrawal_of(tenant, waiting)["status"] == "approved"


def test_rejecting_gives_the_amount_back(clerk, tenant, distributor):
    waiting = withdraw(distributor, 4000)

    rejected = clerk.submit("/console/finance", "reject-withdrawal", {"reason": "账户名不符"},
                            form=form_in_row(clerk, "/console/finance", waiting["id"], "reject-withdrawal"))

    assert rejected.status_code == 303
    found = withdrawal_of(tenant, waiting)
    assert (found["status"], found["rejection_reason"]) == ("rejected", "账户名不符")
    assert balance(distributor)["available"] == 10_000


def test_a_move_the_withdrawal_is_not_in_is_the_services_refusal(clerk, tenant, distributor):
    """Marking paid a withdrawal still waiting for approval (the form of its current version, crafted): 409
    invalid_state, nothing moved."""
    waiting = withdraw(distributor, 4000)
    approve = form_in_row(clerk, "/console/finance", waiting["id"], "approve-withdrawal")

    response = clerk.post(f"/console/finance/withdrawals/{waiting['id']}/mark-paid",
                          {**approve.fields, "reference": "X-1"})

    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-reason="invalid_state"' in page
    assert 'class="refused-row"' in row_of(page, waiting["id"])
    assert withdrawal_of(tenant, waiting)["status"] == "requested"


def test_a_form_older_than_an_api_move_is_stale_and_the_move_stays(clerk, tenant, distributor):
    waiting = withdraw(distributor, 4000)
    reject = form_in_row(clerk, "/console/finance", waiting["id"], "reject-withdrawal")
    move(tenant, waiting, "approve")

    response = clerk.submit("/console/finance", "reject-withdrawal", {"reason": "late"}, form=reject)

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)
    assert withdrawal_of(tenant, waiting)["status"] == "approved"


def test_a_stripe_payout_without_connect_set_up_is_refused_with_its_reason(clerk, tenant, distributor):
    tenant.settings({"distribution": {"payout_method": "stripe_connect"}})
    distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                        json={"stripe_account_id": "acct_1Nv0FGQ9RKHgCVdK"}, expect=200)
    waiting = withdraw(distributor, 4000)

    response = clerk.submit("/console/finance", "approve-withdrawal",
                            form=form_in_row(clerk, "/console/finance", waiting["id"], "approve-withdrawal"))

    assert response.status_code == 409
    assert 'data-reason="payout_provider_not_configured"' in response.get_data(as_text=True)
    assert withdrawal_of(tenant, waiting)["status"] == "requested"


def read_csv(response) -> tuple[str, list[dict]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    return text, list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))


def api_csv(tenant, path: str, **query) -> str:
    return tenant.admin.get(path, query=query, headers={"Accept": "text/csv"}, expect=200).get_data(as_text=True)


def test_the_reconciliation_of_a_period_and_its_csv_are_the_apis(clerk, tenant, distributor):
    pay_by_hand(tenant, withdraw(distributor, 3000))
    period = {"from": "2000-01-01", "to": "2100-01-01"}

    page = clerk.get("/console/finance/reconciliation", query_string=period).get_data(as_text=True)
    download = clerk.get("/console/finance/reconciliation", query_string={**period, "download": "reconciliation"})

    assert re.search(r'data-figure="withdrawals-paid"><dt>[^<]*</dt><dd>¥ 30.00', page)
    assert 'data-highlight="none"' in page and 'data-action="download-csv"' in page
    text, [row] = read_csv(download)
    assert text.startswith(BOM + "currency,from,to,orders.paid")
    assert (row["withdrawals.paid"], row["settlements.amount"], row["discrepancies"]) == ("3000", "10000", "0")
    assert text == BOM + api_csv(tenant, "/v1/finance/reports/reconciliation", **period)


def test_discrepancies_are_highlighted_and_downloadable(clerk, tenant, distributor):
    paid = pay_by_hand(tenant, withdraw(distributor, 3000))
    corrupt(tenant.id, "UPDATE withdrawals SET fee = fee + 1, net_amount = net_amount - 1 "
            "WHERE tenant_id = :tenant_id AND id = :id", id=paid["id"])

    page = clerk.get("/console/finance/reconciliation").get_data(as_text=True)  # this month, by default
    text, rows = read_csv(clerk.get("/console/finance/reconciliation", query_string={"download": "discrepancies"}))

    assert 'data-highlight="discrepancies"' in page
    assert re.search(rf'<tr class="discrepancy" data-discrepancy="fee_mismatch">.*?{paid["id"]}', page, re.S)
    assert text.startswith(BOM) and "fee_mismatch" in [row["kind"] for row in rows]
    assert re.findall(r'data-discrepancy="([a-z_]+)"', page) == [row["kind"] for row in rows]
    assert paid["id"] in next(row for row in rows if row["kind"] == "fee_mismatch")["withdrawal_id"]


def test_a_period_the_api_refuses_is_shown_at_its_fields(clerk):
    malformed = clerk.get("/console/finance/reconciliation", query_string={"from": "yesterday"})
    backwards = clerk.get("/console/finance/trial-balance", query_string={"from": "2026-02-01", "to": "2026-01-01"})

    assert malformed.status_code == backwards.status_code == 422
    assert 'data-error-for="from"' in malformed.get_data(as_text=True)
    assert 'data-error-for="to"' in backwards.get_data(as_text=True)
    assert 'data-reason="invalid_request"' in backwards.get_data(as_text=True)


def test_the_trial_balance_and_its_csv_are_the_apis(clerk, tenant, distributor):
    pay_by_hand(tenant, withdraw(distributor, 3000))
    period = {"from": "2000-01-01", "to": "2100-01-01"}

    page = clerk.get("/console/finance/trial-balance", query_string=period).get_data(as_text=True)
    text, rows = read_csv(clerk.get("/console/finance/trial-balance",
                                    query_string={**period, "download": "trial-balance"}))

    assert 'data-account="commissions:expense"' in page and "¥ 100.00" in page
    assert text == BOM + api_csv(tenant, "/v1/finance/reports/trial-balance", **period)
    assert rows[-1]["account"] == "total" and rows[-1]["balance"] == "0"


def test_withdrawals_and_settlements_download_as_the_apis_csv(clerk, tenant, distributor):
    paid = pay_by_hand(tenant, withdraw(distributor, 3000))
    waiting = withdraw(distributor, 2000)

    everything, rows = read_csv(clerk.get("/console/finance", query_string={"download": "withdrawals"}))
    _waiting, only = read_csv(clerk.get("/console/finance",
                                        query_string={"download": "withdrawals", "status": "requested"}))
    settlements, _runs = read_csv(clerk.get("/console/finance", query_string={"download": "settlements"}))

    assert [row["id"] for row in rows] == [waiting["id"], paid["id"]] and [row["id"] for row in only] == [waiting["id"]]
    assert everything == BOM + api_csv(tenant, "/v1/finance/withdrawals")
    assert settlements == BOM + api_csv(tenant, "/v1/finance/settlements")


def test_admins_use_finance_and_staff_may_not(app, tenant, admin_console):
    staff = signed_in(app, new_key(tenant, "staff"))

    assert admin_console.get("/console/finance").status_code == 200
    for path in ("/console/finance", "/console/finance/reconciliation", "/console/finance/trial-balance",
                 "/console/finance?download=withdrawals"):
        response = staff.get(path)
        assert response.status_code == 403 and 'data-reason="forbidden"' in response.get_data(as_text=True), path


def test_the_home_page_shows_commissions_and_withdrawals_waiting_to_finance(clerk, app, tenant, distributor):
    withdraw(distributor, 2500)
    staff = signed_in(app, new_key(tenant, "staff")).get("/console").get_data(as_text=True)

    home = clerk.get("/console").get_data(as_text=True)

    assert re.search(r'data-figure="commissions-available"><dt>[^<]*</dt><dd>¥ 75.00', home)
    assert re.search(r'data-figure="commissions-frozen"><dt>[^<]*</dt><dd>¥ 0.00', home)
    assert 'data-chart="commissions"' in home
    assert re.search(r'data-figure="withdrawals-waiting"><dt>[^<]*</dt><dd>1</dd><dd class="subtle">¥ 25.00', home)
    assert 'data-card="commissions"' not in staff and 'data-card="withdrawals"' not in staff


def test_the_order_page_shows_its_commissions_to_finance_only(app, clerk, tenant, distributor):
    _made, sku = product(tenant, 20_000)
    order = buy(tenant, bound_to(tenant, distributor), sku)
    staff = signed_in(app, new_key(tenant, "staff"))

    page = clerk.get(f"/console/orders/{order['id']}").get_data(as_text=True)

    assert 'data-section="commissions"' in page and "¥ 20.00" in page and 'data-status="frozen"' in page
    assert 'data-section="commissions"' not in staff.get(f"/console/orders/{order['id']}").get_data(as_text=True)


def test_a_distributors_statement_and_its_csv_are_the_apis(clerk, tenant, distributor):
    paid = pay_by_hand(tenant, withdraw(distributor, 3000))
    period = {"from": "2000-01-01", "to": "2100-01-01"}
    path = f"/console/finance/statements/{distributor.distributor_id}"

    page = clerk.get(path, query_string=period).get_data(as_text=True)
    text, rows = read_csv(clerk.get(path, query_string={**period, "download": "statement"}))

    assert f"/console/finance/statements/{distributor.distributor_id}" in clerk.get("/console/finance").get_data(
        as_text=True)
    assert re.search(r'data-balance="closing">.*?¥ 0.00.*?¥ 70.00.*?¥ 0.00', page, re.S)
    assert 'data-kind="withdrawal.payout"' in page and paid["id"] in page
    assert text == BOM + api_csv(tenant, f"/v1/finance/statements/{distributor.distributor_id}", **period)
    assert {row["kind"] for row in rows} >= {"commission.accrual", "commission.settle", "withdrawal.payout"}


def test_another_tenants_distributor_has_no_statement_here(app, tenant, other_tenant, distributor):
    intruder = signed_in(app, other_tenant.admin_key)

    for query in ({}, {"download": "statement"}):
        response = intruder.get(f"/console/finance/statements/{distributor.distributor_id}", query_string=query)
        assert response.status_code == 404 and 'data-reason="not_found"' in response.get_data(as_text=True)


def test_a_stripe_payout_whose_job_gave_up_is_tried_again_from_its_row(app, clerk, tenant, distributor):
    with serving(app) as connect:
        tenant.settings({"distribution": {"payout_method": "stripe_connect"}})
        distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                            json={"stripe_account_id": connect.open_account()}, expect=200)
        requested = withdraw(distributor, 4000)
        connect.fail_next(2)
        move(tenant, requested, "approve")
        assert 'data-status="processing"' in row_of(clerk.get("/console/finance").get_data(as_text=True),
                                                    requested["id"])

        retried = clerk.submit("/console/finance", "retry-payout",
                               form=form_in_row(clerk, "/console/finance", requested["id"], "retry-payout"))

        assert retried.status_code == 303 and "notice=payout_retried" in retried.headers["Location"]
        paid = withdrawal_of(tenant, requested)
        assert paid["status"] == "paid" and [t["id"] for t in connect.transfers()] == [paid["transfer_id"]]


@pytest.mark.parametrize(("language", "words"), [
    ("zh-CN", ["结算与提现", "立即结算", "对账", "试算平衡表"]),
    ("en", ["Settlements and withdrawals", "Run a settlement now", "Reconciliation", "Trial balance"]),
])
def test_the_finance_page_speaks_the_clerks_language(app, tenant, language, words):
    browser = signed_in(app, new_key(tenant, "finance"), language=language)

    page = browser.get("/console/finance").get_data(as_text=True)

    assert all(word in page for word in words), language


# --- /console/finance itself: the reports of the period chosen in its form ----------------------------------

def section(page: str, name: str) -> str:
    found = re.search(rf'<section [^>]*data-section="{name}"[^>]*>.*?</section>', page, re.S)
    assert found, name
    return found.group(0)


def period_form(page: str):
    [form] = [form for form in forms_of(page, "/console/finance") if "show-period" in form.actions]
    return form


def downloads(page: str) -> dict[str, str]:
    """Each report's CSV link on the page, by its data-report."""
    return {report: html.unescape(href) for href, report in
            re.findall(r'href="([^"]+)" data-action="download-csv" data-report="([^"]+)"', page)}


def test_the_finance_page_shows_the_reconciliation_and_the_trial_balance_of_the_period_chosen(clerk, tenant,
                                                                                               distributor):
    pay_by_hand(tenant, withdraw(distributor, 3000))
    form = period_form(clerk.get("/console/finance").get_data(as_text=True))

    response = clerk.get(form.action, query_string={**form.fields, "from": "2000-01-01", "to": "2100-01-01"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and form.method == "get" and form.action == "/console/finance"
    assert 'name="from" type="date" value="2000-01-01"' in page and 'name="to" type="date" value="2100-01-01"' in page
    assert re.search(r'data-figure="withdrawals-paid"><dt>[^<]*</dt><dd>¥ 30.00', section(page, "reconciliation"))
    assert 'data-highlight="none"' in section(page, "discrepancies")
    assert re.search(r'data-figure="report-accrued"><dt>[^<]*</dt><dd>¥ 100.00', section(page, "commissions-report"))
    assert 'data-account="commissions:expense"' in section(page, "trial-balance")
    assert 'data-action="run-settlement"' in page and 'data-section="withdrawals"' in page  # all the rest stays


def test_the_finance_pages_reports_are_of_the_period_chosen_and_this_month_by_default(clerk, tenant, distributor):
    pay_by_hand(tenant, withdraw(distributor, 3000))

    long_ago = clerk.get("/console/finance", query_string={"from": "2000-01-01", "to": "2000-02-01"})
    default = clerk.get("/console/finance").get_data(as_text=True)

    assert re.search(r'data-figure="withdrawals-paid"><dt>[^<]*</dt><dd>¥ 0.00',
                     section(long_ago.get_data(as_text=True), "reconciliation"))
    assert re.search(r'data-figure="withdrawals-paid"><dt>[^<]*</dt><dd>¥ 30.00', section(default, "reconciliation"))
    shown = period_form(default).fields
    assert shown["from"].endswith("-01") and shown["to"].endswith("-01") and shown["from"] < shown["to"]
    assert f"from={shown['from']}" in downloads(default)["reconciliation"]


def test_every_report_on_the_finance_page_downloads_as_the_apis_csv_of_its_period(clerk, tenant, distributor):
    pay_by_hand(tenant, withdraw(distributor, 3000))
    period = {"from": "2000-01-01", "to": "2100-01-01"}
    links = downloads(clerk.get("/console/finance", query_string=period).get_data(as_text=True))

    csvs = {report: read_csv(clerk.get(link))[0] for report, link in links.items()}

    assert set(links) == {"settlements", "withdrawals", "reconciliation", "discrepancies", "commissions",
                          "trial-balance"}
    for report in ("reconciliation", "discrepancies", "commissions", "trial-balance"):
        assert links[report].startswith("/console/finance?") and "from=2000-01-01" in links[report], report
    assert csvs["reconciliation"] == BOM + api_csv(tenant, "/v1/finance/reports/reconciliation", **period)
    assert csvs["discrepancies"] == BOM + api_csv(tenant, "/v1/finance/reports/reconciliation/discrepancies",
                                                  **period)
    assert csvs["commissions"] == BOM + api_csv(tenant, "/v1/finance/reports/commissions", **period)
    assert csvs["trial-balance"] == BOM + api_csv(tenant, "/v1/finance/reports/trial-balance", **period)


def test_the_finance_page_highlights_the_periods_discrepancies(clerk, tenant, distributor):
    paid = pay_by_hand(tenant, withdraw(distributor, 3000))
    corrupt(tenant.id, "UPDATE withdrawals SET fee = fee + 1, net_amount = net_amount - 1 "
            "WHERE tenant_id = :tenant_id AND id = :id", id=paid["id"])

    page = clerk.get("/console/finance").get_data(as_text=True)

    flagged = section(page, "discrepancies")
    assert 'data-highlight="discrepancies"' in flagged and 'has-discrepancies' in flagged
    assert re.search(rf'<tr class="discrepancy" data-discrepancy="fee_mismatch">.*?{paid["id"]}', flagged, re.S)


def test_a_period_refused_on_the_finance_page_is_shown_at_its_fields_with_the_rest_of_the_page(clerk, distributor):
    waiting = withdraw(distributor, 2000)

    malformed = clerk.get("/console/finance", query_string={"from": "yesterday"})
    backwards = clerk.get("/console/finance", query_string={"from": "2026-02-01", "to": "2026-01-01"})
    download = clerk.get("/console/finance", query_string={"from": "yesterday", "download": "trial-balance"})

    for response, field in ((malformed, "from"), (backwards, "to"), (download, "from")):
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and response.mimetype == "text/html"
        assert f'data-error-for="{field}"' in page and 'data-reason="invalid_request"' in page
        assert 'data-section="trial-balance"' not in page and 'data-action="approve-withdrawal"' in row_of(
            page, waiting["id"])


def test_a_withdrawal_moved_from_the_finance_page_comes_back_to_the_period_shown(clerk, tenant, distributor):
    waiting = withdraw(distributor, 5000)
    period = {"from": "2000-01-01", "to": "2100-01-01"}
    page = clerk.get("/console/finance", query_string=period).get_data(as_text=True)
    [approve] = [form for form in forms_of(row_of(page, waiting["id"])) if "approve-withdrawal" in form.actions]

    approved = clerk.post(approve.action, approve.fields)

    assert approved.status_code == 303 and "notice=withdrawal_approved" in approved.headers["Location"]
    assert "from=2000-01-01" in approved.headers["Location"] and "to=2100-01-01" in approved.headers["Location"]
    assert withdrawal_of(tenant, waiting)["status"] == "approved"
