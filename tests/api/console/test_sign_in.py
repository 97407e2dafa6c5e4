"""Signing in with a secret key: a server-side session in a strict, HttpOnly cookie that sign-out and key
revocation end; everything else answers 401 with the form again."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from console.sessions.models import ConsoleSession
from core.db import unit_of_work
from core.tenancy import all_tenants
from tests.api.console.conftest import new_key, signed_in
from tests.support.console import ConsoleBrowser


def test_a_signed_out_page_sends_the_browser_to_sign_in_and_back(app, tenant):
    browser = ConsoleBrowser(app)

    response = browser.get("/console/orders?status=paid")

    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login?next=/console/orders?status%3Dpaid"
    signed = browser.sign_in(tenant.admin_key, next_path="/console/orders?status=paid")
    assert (signed.status_code, signed.headers["Location"]) == (303, "/console/orders?status=paid")
    assert browser.get("/console/orders?status=paid").status_code == 200


@pytest.mark.parametrize("path", ["/console", "/console/", "/console/no-such-page", "/console/orders/ord_x"])
def test_every_console_url_signed_out_answers_303_to_sign_in(app, path):
    response = ConsoleBrowser(app).get(path)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/login?next=")


def test_console_and_console_slash_are_the_same_page(admin_console):
    bare, slash = admin_console.get("/console"), admin_console.get("/console/")

    assert bare.status_code == slash.status_code == 200
    assert 'data-chart="sales-30d"' in bare.get_data(as_text=True)
    assert 'data-chart="sales-30d"' in slash.get_data(as_text=True)


def test_the_session_cookie_is_http_only_strict_and_holds_only_an_opaque_token(app, tenant):
    response = ConsoleBrowser(app).sign_in(tenant.admin_key)

    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("fission_console=")]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert tenant.admin_key not in cookie and len(token) >= 40
    with unit_of_work() as session, all_tenants():
        stored = session.scalars(select(ConsoleSession).where(ConsoleSession.tenant_id == tenant.id)).all()
    assert len(stored) == 1 and token not in {stored[0].id, stored[0].token_hash}


@pytest.mark.parametrize("which", ["wrong", "revoked", "publishable", "empty"])
def test_anything_but_a_live_secret_key_answers_401_with_the_form_again(app, tenant, which):
    revoked = tenant.admin.post("/v1/admin/api-keys", {"role": "admin"}, expect=201).get_json()
    tenant.admin.delete(f"/v1/admin/api-keys/{revoked['id']}", expect=200)
    key = {"wrong": "sk_" + "x" * 32, "revoked": revoked["key"], "publishable": tenant.publishable_key,
           "empty": ""}[which]
    browser = ConsoleBrowser(app)

    response = browser.sign_in(key)

    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'data-reason="unauthenticated"' in page and 'data-action="sign-in"' in page
    assert browser.cookie("fission_console") is None
    assert browser.get("/console").status_code == 303


def test_sign_out_ends_the_session_on_the_server(app, tenant):
    browser = signed_in(app, tenant.admin_key)
    token = browser.cookie("fission_console").value

    response = browser.submit("/console", "sign-out")

    assert (response.status_code, response.headers["Location"]) == (303, "/console/login")
    thief = ConsoleBrowser(app)
    thief.client.set_cookie("fission_console", token, path="/console")
    assert thief.get("/console").status_code == 303  # the old token opens nothing any more


def test_a_revoked_keys_session_ends_at_its_next_request(app, tenant):
    key = tenant.admin.post("/v1/admin/api-keys", {"role": "admin"}, expect=201).get_json()
    browser = signed_in(app, key["key"])
    assert browser.get("/console/orders").status_code == 200

    tenant.admin.delete(f"/v1/admin/api-keys/{key['id']}", expect=200)

    assert browser.get("/console/orders").status_code == 303
    with unit_of_work() as session, all_tenants():
        ended = session.scalars(select(ConsoleSession).where(ConsoleSession.key_id == key["id"])).one()
    assert (ended.end_reason, ended.ended_at is not None) == ("key_revoked", True)


def test_a_suspended_tenants_console_is_refused(app, tenant, platform):
    browser = signed_in(app, tenant.admin_key)

    platform.post(f"/v1/platform/tenants/{tenant.id}/suspend", expect=200)
    response = browser.get("/console")

    assert response.status_code == 403
    assert 'data-reason="tenant_suspended"' in response.get_data(as_text=True)
    platform.post(f"/v1/platform/tenants/{tenant.id}/resume", expect=200)


def test_next_never_leads_to_another_site(app, tenant):
    for target in ("https://evil.example/", "//evil.example/console", "/v1/admin/settings"):
        response = ConsoleBrowser(app).sign_in(tenant.admin_key, next_path=target)
        assert response.headers["Location"] == "/console"


def test_signing_in_with_another_role_shows_that_roles_badge(app, tenant):
    browser = signed_in(app, new_key(tenant, "staff"), language="en")

    page = browser.get("/console").get_data(as_text=True)

    assert re.search(r'data-role="staff"[^>]*>Store staff<', page)


def test_fetching_the_stylesheet_leaves_the_session_alone(admin_console):
    response = admin_console.get("/console/static/console.css")

    assert response.status_code == 200
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("fission_console=")]
    assert admin_console.get("/console/orders").status_code == 200
