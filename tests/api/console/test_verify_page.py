"""The counter screen: staff verify a code (Enter submits the verify button), look one up, see refusals in
words with the API's reason and status, and undo a store redemption while its window is open."""

from __future__ import annotations

import re

import pytest

from tests.api.console.conftest import new_key, signed_in
from tests.support.console import forms_of


@pytest.fixture
def cashier(app, tenant):
    return signed_in(app, new_key(tenant, "staff"))


def accept_pool(tenant, codes: list[str], **terms) -> dict:
    pool = tenant.admin.post("/v1/admin/voucher-pools", {"name": "Meituan", "platform": "meituan",
                                                         "direction": "accept", "face_value": 3000, **terms},
                             expect=201).get_json()
    tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/codes", {"codes": codes}, expect=201)
    return pool


def voucher_of(tenant, pool_id: str, code: str) -> dict:
    listed = tenant.admin.get(f"/v1/admin/voucher-pools/{pool_id}/vouchers", expect=200).get_json()["data"]
    return next(voucher for voucher in listed if voucher["code"] == code)


def test_the_counter_is_one_focused_field_whose_enter_verifies(cashier):
    page = cashier.get("/console/verify").get_data(as_text=True)

    [form] = [form for form in forms_of(page, "/console/verify") if "verify" in form.actions]
    assert form.actions == ["verify", "lookup"]  # the first submit button is the one Enter presses
    assert re.search(r'<input id="f-code" name="code"[^>]*autofocus', page)
    assert '<label for="f-code"' in page


def test_a_cashier_verifies_a_code_once_and_is_told_when_it_was_used_already(cashier, tenant):
    pool = accept_pool(tenant, ["MT12345678"])

    verified = cashier.submit("/console/verify", "verify", {"code": "mt 1234-5678"})
    again = cashier.submit("/console/verify", "verify", {"code": "MT12345678"})

    assert verified.status_code == 303 and "notice=verified" in verified.headers["Location"]
    result = cashier.get(verified.headers["Location"]).get_data(as_text=True)
    voucher = voucher_of(tenant, pool["id"], "MT12345678")
    assert (voucher["status"], voucher["redeemed_via"]) == ("redeemed", "store")
    assert f'data-id="{voucher["id"]}"' in result and 'data-status="redeemed"' in result
    assert 'data-action="reverse"' in result and "¥ 30.00" in result
    assert again.status_code == 409
    assert 'data-reason="voucher_already_redeemed"' in again.get_data(as_text=True)
    assert 'name="code" type="text" class="counter-code" value=""' in again.get_data(as_text=True)


def test_an_unknown_code_and_a_blank_one_are_refused_at_the_counter(cashier):
    unknown = cashier.submit("/console/verify", "verify", {"code": "NOPE0000"})
    blank = cashier.submit("/console/verify", "verify", {"code": ""})

    assert unknown.status_code == 404
    assert 'data-reason="voucher_not_found"' in unknown.get_data(as_text=True)
    assert 'data-tried>NOPE0000<' in unknown.get_data(as_text=True)
    assert blank.status_code == 422 and 'data-error-for="code"' in blank.get_data(as_text=True)


def test_guessing_codes_is_stopped_with_the_apis_status_and_retry_after(cashier, tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 2}})
    for guess in ("GUESS001", "GUESS002"):
        assert cashier.submit("/console/verify", "verify", {"code": guess}).status_code == 404

    blocked = cashier.submit("/console/verify", "lookup", {"code": "GUESS003"})

    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert 'data-reason="too_many_attempts"' in blocked.get_data(as_text=True)


def test_looking_a_code_up_changes_nothing(cashier, tenant):
    pool = accept_pool(tenant, ["LOOK12345"])
    form = cashier.form("/console/verify", "lookup")

    response = cashier.post("/console/verify/lookup", {**form.fields, "code": "LOOK12345"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-result="lookup"' in page and 'data-status="available"' in page
    assert 'data-action="reverse"' not in page
    assert voucher_of(tenant, pool["id"], "LOOK12345")["status"] == "available"


def test_a_store_redemption_is_undone_within_its_window(cashier, tenant):
    pool = accept_pool(tenant, ["UNDO12345"])
    verified = cashier.submit("/console/verify", "verify", {"code": "UNDO12345"})
    result = verified.headers["Location"]

    undone = cashier.submit(result, "reverse")

    assert undone.status_code == 303 and "notice=reversed" in undone.headers["Location"]
    assert voucher_of(tenant, pool["id"], "UNDO12345")["status"] == "available"
    page = cashier.get(undone.headers["Location"]).get_data(as_text=True)
    assert 'data-status="available"' in page and 'data-action="reverse"' not in page


def test_no_undo_is_offered_once_the_window_is_closed_and_a_late_one_is_refused(cashier, tenant):
    accept_pool(tenant, ["LATE12345"])
    verified = cashier.submit("/console/verify", "verify", {"code": "LATE12345"})
    form = cashier.form(verified.headers["Location"], "reverse")
    tenant.settings({"vouchers": {"reverse_window_minutes": 0}})

    page = cashier.get(verified.headers["Location"]).get_data(as_text=True)
    late = cashier.post(form.action, form.fields)

    assert 'data-status="redeemed"' in page and 'data-action="reverse"' not in page
    assert late.status_code == 409 and 'data-reason="reverse_window_closed"' in late.get_data(as_text=True)


def test_admins_use_the_counter_too_and_finance_may_not(app, tenant, admin_console):
    finance = signed_in(app, new_key(tenant, "finance"))

    assert admin_console.get("/console/verify").status_code == 200
    for response in (finance.get("/console/verify"), finance.post("/console/verify", {"code": "X"})):
        assert response.status_code in (400, 403)
    refused = finance.get("/console/verify")
    assert refused.status_code == 403 and 'data-reason="forbidden"' in refused.get_data(as_text=True)


def test_the_counter_is_in_the_staff_navigation(cashier):
    page = cashier.get("/console").get_data(as_text=True)

    assert re.findall(r'data-nav="([^"]+)"', page) == ["home", "orders", "verify"]


def test_the_home_page_counts_the_vouchers_redeemed_today_for_staff_and_admins(app, cashier, tenant):
    accept_pool(tenant, ["TODAY0001", "TODAY0002", "TODAY0003"])
    for code in ("TODAY0001", "TODAY0002"):
        cashier.submit("/console/verify", "verify", {"code": code})
    finance = signed_in(app, new_key(tenant, "finance"))

    home = cashier.get("/console").get_data(as_text=True)

    assert re.search(r'data-figure="vouchers-redeemed-today"><dt>[^<]*</dt><dd>2<', home)
    assert re.search(r'data-figure="vouchers-redeemed-store"><dt>[^<]*</dt><dd>2<', home)
    assert 'data-card="vouchers"' not in finance.get("/console").get_data(as_text=True)


def test_a_verification_without_the_forms_token_is_refused_and_redeems_nothing(cashier, tenant):
    pool = accept_pool(tenant, ["CSRF12345"])

    response = cashier.post("/console/verify", {"code": "CSRF12345"})

    assert response.status_code == 400 and 'data-reason="csrf_failed"' in response.get_data(as_text=True)
    assert voucher_of(tenant, pool["id"], "CSRF12345")["status"] == "available"
