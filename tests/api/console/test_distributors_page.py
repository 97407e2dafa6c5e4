"""Distributors in the console: the accounts by status, and the shop's decisions on each row, refused in words
when the account is not in a state for them and when the form is older than the account."""

from __future__ import annotations

import re

from tests.api.console.conftest import new_key, signed_in
from tests.support.console import forms_of


def applicant(tenant) -> str:
    tenant.settings({"distribution": {"enabled": True, "who": "approved"}})
    return tenant.consumer().post("/v1/storefront/distributor", {"name": "小王"}, expect=201).get_json()["id"]


def status_of(tenant, distributor_id: str) -> str:
    return tenant.admin.get(f"/v1/admin/distributors/{distributor_id}", expect=200).get_json()["status"]


def row_form(browser, path: str, distributor_id: str):
    page = browser.get(path).get_data(as_text=True)
    [form] = [form for form in forms_of(page, path) if f"/distributors/{distributor_id}/" in form.action]
    return form


def decide(browser, form, decision: str):
    return browser.post(form.action, {**form.fields, "decision": decision})


def test_an_applicant_is_approved_from_its_row(admin_console, tenant):
    distributor_id = applicant(tenant)
    form = row_form(admin_console, "/console/distributors?status=pending", distributor_id)

    response = decide(admin_console, form, "approve")

    assert form.actions == ["approve", "reject"]
    assert response.status_code == 303 and "notice=approve" in response.headers["Location"]
    assert "status=pending" in response.headers["Location"]  # back to the list it came from
    assert status_of(tenant, distributor_id) == "approved"


def test_the_list_is_filtered_by_status(admin_console, tenant):
    distributor_id = applicant(tenant)

    pending = admin_console.get("/console/distributors?status=pending").get_data(as_text=True)
    approved = admin_console.get("/console/distributors?status=approved").get_data(as_text=True)

    assert f'<tr data-id="{distributor_id}"' in pending and f'<tr data-id="{distributor_id}"' not in approved


def test_suspending_then_reinstating(admin_console, tenant):
    distributor_id = applicant(tenant)
    tenant.admin.post(f"/v1/admin/distributors/{distributor_id}/approve", expect=200)

    suspend = row_form(admin_console, "/console/distributors", distributor_id)
    assert suspend.actions == ["suspend"]
    assert decide(admin_console, suspend, "suspend").status_code == 303
    reinstate = row_form(admin_console, "/console/distributors", distributor_id)
    assert reinstate.actions == ["reinstate"]
    assert decide(admin_console, reinstate, "reinstate").status_code == 303

    assert status_of(tenant, distributor_id) == "approved"


def test_a_decision_the_account_is_not_in_a_state_for_is_refused_in_words(admin_console, tenant):
    distributor_id = applicant(tenant)
    tenant.admin.post(f"/v1/admin/distributors/{distributor_id}/approve", expect=200)
    form = row_form(admin_console, "/console/distributors", distributor_id)

    response = decide(admin_console, form, "reject")

    assert response.status_code == 409 and 'data-reason="invalid_state"' in response.get_data(as_text=True)
    assert status_of(tenant, distributor_id) == "approved"


def test_a_form_older_than_the_account_is_refused_and_the_newer_decision_stays(admin_console, tenant):
    distributor_id = applicant(tenant)
    form = row_form(admin_console, "/console/distributors", distributor_id)
    tenant.admin.post(f"/v1/admin/distributors/{distributor_id}/reject", expect=200)

    response = decide(admin_console, form, "approve")

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)
    assert status_of(tenant, distributor_id) == "rejected"
    assert re.search(rf'<tr data-id="{distributor_id}"[^>]*>.*?data-status="rejected"', response.get_data(as_text=True),
                     re.S)


def test_a_decision_must_be_one_of_the_four(admin_console, tenant):
    distributor_id = applicant(tenant)
    form = row_form(admin_console, "/console/distributors", distributor_id)

    response = decide(admin_console, form, "promote")

    assert response.status_code == 422 and 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert status_of(tenant, distributor_id) == "pending"


def test_only_admins_use_the_distributors_page(app, tenant):
    distributor_id = applicant(tenant)
    for role in ("finance", "staff"):
        browser = signed_in(app, new_key(tenant, role))
        listed = browser.get("/console/distributors")
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/console/orders").get_data(as_text=True))
        decided = browser.post(f"/console/distributors/{distributor_id}/decision",
                               {"csrf_token": token.group(1), "decision": "approve"})
        assert listed.status_code == decided.status_code == 403
        assert 'data-reason="forbidden"' in listed.get_data(as_text=True)
    assert status_of(tenant, distributor_id) == "pending"
