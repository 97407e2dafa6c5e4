"""Money-moving console forms submitted several times at once (a double click, two clerks' tabs) move money once:
the version check under the withdrawal's row lock (or the tenant's, for a settlement run) lets one through, on
PostgreSQL with real threads."""

from __future__ import annotations

import re

import pytest

from tests.api.console.conftest import new_key, signed_in
from tests.api.distribution.builders import approved_distributor, bound_to, buy, close_after_sales, product
from tests.api.finance.builders import balance, distributor_with_available, move, shop_with_distribution, withdraw
from tests.integration.console.test_form_races import submit_at_once
from tests.support.console import forms_of

pytestmark = pytest.mark.integration


def row_form(browser, withdrawal_id: str, action: str):
    page = browser.get("/console/finance").get_data(as_text=True)
    row = re.search(rf'<tr data-id="{withdrawal_id}".*?</tr>', page, re.S).group(0)
    [form] = [form for form in forms_of(row, "/console/finance") if action in form.actions]
    return form


def test_mark_paid_sent_four_times_at_once_pays_once(app, tenant):
    distributor = distributor_with_available(tenant, prices=(100_000,))
    waiting = withdraw(distributor, 5000)
    move(tenant, waiting, "approve")
    clerk = signed_in(app, new_key(tenant, "finance"))
    form = row_form(clerk, waiting["id"], "mark-paid")

    statuses = submit_at_once(app, clerk, form.action, {**form.fields, "reference": "BANK-1"})

    assert statuses == [303, 409, 409, 409]
    assert balance(distributor)["withdrawn"] == 5000
    entries = tenant.admin.get("/v1/finance/ledger/entries", query={"reference": waiting["id"]},
                               expect=200).get_json()["data"]
    assert sorted({entry["key"] for entry in entries}) == [f"withdrawal:{waiting['id']}:payout",
                                                           f"withdrawal:{waiting['id']}:request"]


def test_approve_sent_four_times_at_once_approves_once(app, tenant):
    distributor = distributor_with_available(tenant, prices=(100_000,))
    waiting = withdraw(distributor, 5000)
    clerk = signed_in(app, new_key(tenant, "finance"))
    approve = row_form(clerk, waiting["id"], "approve-withdrawal")

    statuses = submit_at_once(app, clerk, approve.action, approve.fields)

    assert statuses == [303, 409, 409, 409]
    found = tenant.admin.get(f"/v1/finance/withdrawals/{waiting['id']}", expect=200).get_json()
    assert found["status"] == "approved"


def test_run_settlement_sent_four_times_at_once_starts_one_run(app, tenant):
    shop_with_distribution(tenant)
    earner = approved_distributor(tenant)
    _made, sku = product(tenant, 50_000)
    close_after_sales(tenant, buy(tenant, bound_to(tenant, earner), sku))
    clerk = signed_in(app, new_key(tenant, "finance"))
    form = clerk.form("/console/finance", "run-settlement")

    statuses = submit_at_once(app, clerk, form.action, form.fields)

    assert statuses == [303, 409, 409, 409]
    assert len(tenant.admin.get("/v1/finance/settlements", expect=200).get_json()["data"]) == 1
    assert balance(earner)["available"] == 5000
