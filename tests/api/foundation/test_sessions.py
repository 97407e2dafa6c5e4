from datetime import timedelta

import pytest

from tenants import auth
from tests.support.wechat import WechatStandIn


@pytest.fixture
def wechat(app, tenant):
    with WechatStandIn() as stand_in:
        previous = app.config["WECHAT_API_BASE"]
        app.config["WECHAT_API_BASE"] = stand_in.url
        tenant.settings({"wechat": {"app_id": stand_in.app_id, "app_secret": stand_in.app_secret}})
        yield stand_in
        app.config["WECHAT_API_BASE"] = previous


def log_in(tenant, code, expect):
    return tenant.storefront.post("/v1/storefront/sessions", {"provider": "wechat", "code": code}, expect=expect)


def test_a_wechat_login_maps_one_openid_to_one_customer(tenant, wechat):
    first = log_in(tenant, "alice", 201).get_json()
    second = log_in(tenant, "alice", 201).get_json()

    assert first["customer"]["id"] == second["customer"]["id"]
    assert first["token"].startswith("cs_") and first["expires_at"]
    assert wechat.requests[0]["appid"] == wechat.app_id
    assert tenant.admin.as_(first["token"]).get("/v1/storefront/me", expect=200).get_json()["id"] == \
        first["customer"]["id"]


def test_the_same_openid_is_a_different_customer_in_another_tenant(tenant, other_tenant, wechat):
    other_tenant.settings({"wechat": {"app_id": wechat.app_id, "app_secret": wechat.app_secret}})

    mine = log_in(tenant, "bob", 201).get_json()["customer"]["id"]
    theirs = log_in(other_tenant, "bob", 201).get_json()["customer"]["id"]

    assert mine != theirs


@pytest.mark.parametrize("code, status, reason", [
    ("used-code", 401, "invalid_login_code"),
    ("bad-code", 401, "invalid_login_code"),
    ("blocked-user", 401, "invalid_login_code"),
    ("busy", 503, "provider_unavailable"),
    ("rate-limited", 503, "provider_unavailable"),
    ("server-down", 503, "provider_unavailable"),
    ("odd-error", 502, "provider_error"),
    ("not-json", 502, "provider_error"),
])
def test_wechat_error_answers_become_clear_refusals_and_create_nobody(tenant, wechat, code, status, reason):
    response = log_in(tenant, code, status)

    assert response.get_json()["reason"] == reason
    assert tenant.admin.get("/v1/admin/customers", expect=200).get_json()["data"] == []


def test_a_wrong_app_secret_is_a_provider_error(tenant, wechat):
    tenant.settings({"wechat": {"app_secret": "stale"}})

    assert log_in(tenant, "carol", 502).get_json()["reason"] == "provider_error"


def test_an_unreachable_wechat_is_unavailable(app, tenant):
    app.config["WECHAT_API_BASE"], previous = "http://127.0.0.1:9", app.config["WECHAT_API_BASE"]
    tenant.settings({"wechat": {"app_id": "wx", "app_secret": "s"}})
    try:
        assert log_in(tenant, "dave", 503).get_json()["reason"] == "provider_unavailable"
    finally:
        app.config["WECHAT_API_BASE"] = previous


def test_wechat_login_without_configuration_is_disabled(tenant):
    assert log_in(tenant, "erin", 403).get_json()["reason"] == "provider_disabled"


def test_dev_login_works_only_where_the_tenant_enables_it(tenant):
    body = {"provider": "dev", "openid": "dev-user"}
    refused = tenant.storefront.post("/v1/storefront/sessions", body, expect=403)

    tenant.enable_dev_login()

    assert refused.get_json()["reason"] == "provider_disabled"
    tenant.storefront.post("/v1/storefront/sessions", body, expect=201)


def test_a_login_needs_the_provider_credential(tenant):
    response = tenant.storefront.post("/v1/storefront/sessions", {"provider": "wechat"}, expect=422)

    assert "code" in response.get_json()["errors"]["json"]


def test_only_a_publishable_key_may_log_consumers_in(tenant):
    tenant.enable_dev_login()
    tenant.admin.post("/v1/storefront/sessions", {"provider": "dev", "openid": "x"}, expect=403)


def test_a_tampered_session_token_is_unauthenticated(tenant):
    token = tenant.consumer().credential

    response = tenant.admin.as_(token[:-2] + "xx").get("/v1/storefront/me", expect=401)

    assert response.get_json()["reason"] == "unauthenticated"


def test_a_tampered_token_is_refused_after_the_genuine_one_was_accepted(tenant):
    token = tenant.consumer().credential
    tenant.admin.as_(token).get("/v1/storefront/me", expect=200)  # now known to this process

    for tampered in (token[:-2] + "xx", token + "x", token[:-1]):
        assert tenant.admin.as_(tampered).get("/v1/storefront/me", expect=401).get_json()["reason"] == \
            "unauthenticated"
    tenant.admin.as_(token).get("/v1/storefront/me", expect=200)


def test_a_session_token_expires_even_once_known(tenant, monkeypatch):
    token = tenant.consumer().credential
    tenant.admin.as_(token).get("/v1/storefront/me", expect=200)  # now known to this process

    monkeypatch.setattr(auth, "SESSION_TTL", timedelta(0))  # every token signed before now is past it
    response = tenant.admin.as_(token).get("/v1/storefront/me", expect=401)

    assert response.get_json()["reason"] == "unauthenticated"
    assert "expired" in response.get_json()["message"]


def test_a_token_signed_with_another_key_is_refused_even_once_known(app, tenant):
    token = tenant.consumer().credential
    tenant.admin.as_(token).get("/v1/storefront/me", expect=200)
    previous = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-rotated-key"
    try:
        tenant.admin.as_(token).get("/v1/storefront/me", expect=401)
    finally:
        app.config["SECRET_KEY"] = previous


def test_a_session_token_of_one_tenant_is_bound_to_it(tenant, other_tenant):
    shopper = tenant.consumer()
    shopper.get("/v1/storefront/me", expect=200)

    other_tenant.admin.get(f"/v1/admin/customers/{shopper.customer_id}", expect=404)


def test_a_dev_login_cannot_reach_the_wechat_customer_of_the_same_openid(tenant, wechat):
    tenant.enable_dev_login()
    through_wechat = log_in(tenant, "carol", 201).get_json()["customer"]["id"]

    through_dev = tenant.storefront.post("/v1/storefront/sessions", {"provider": "dev", "openid": "openid-carol"},
                                         expect=201).get_json()["customer"]["id"]

    assert through_dev != through_wechat


def test_every_customer_has_a_stable_invite_code_shown_in_me(tenant):
    consumer = tenant.consumer("dora")

    first = consumer.get("/v1/storefront/me", expect=200).get_json()
    again = tenant.consumer("dora").get("/v1/storefront/me", expect=200).get_json()

    assert first["invite_code"] == again["invite_code"]
    assert len(first["invite_code"]) == 8 and first["referred_by"] is None
    assert tenant.consumer("erin").get("/v1/storefront/me", expect=200).get_json()["invite_code"] != \
        first["invite_code"]


def test_a_login_with_any_invite_code_never_fails(tenant):
    tenant.enable_dev_login()

    for code in ["", "nobody", "x" * 200]:
        body = {"provider": "dev", "openid": f"guest-{len(code)}", "invite_code": code}
        tenant.storefront.post("/v1/storefront/sessions", body, expect=201)
