import json

from tests.support.http import Caller


def test_the_platform_creates_a_tenant_with_its_keys(platform):
    body = platform.post("/v1/platform/tenants", {"name": "Tea House", "slug": "tea-house-1"}, expect=201).get_json()

    assert body["id"].startswith("ten_")
    assert body["status"] == "active"
    assert body["currency"] == "CNY" and body["timezone"] == "Asia/Shanghai"
    assert body["publishable_key"].startswith("pk_") and body["admin_key"].startswith("sk_")


def test_a_duplicate_slug_is_refused(platform, tenant):
    response = platform.post("/v1/platform/tenants", {"name": "Again", "slug": tenant.slug}, expect=409)

    assert response.get_json()["reason"] == "slug_taken"


def test_invalid_tenant_fields_are_422_and_create_nothing(platform):
    response = platform.post("/v1/platform/tenants", {"name": "X", "slug": "Bad Slug!", "currency": "XXX",
                                                      "timezone": "Mars/Olympus"}, expect=422)

    body = response.get_json()
    assert body["reason"] == "invalid_request"
    assert set(body["errors"]["json"]) == {"slug", "currency", "timezone"}


def test_only_the_platform_token_may_create_tenants(client, tenant):
    tenant.admin.post("/v1/platform/tenants", {"name": "X", "slug": "nope-1"}, expect=403)
    Caller(client).post("/v1/platform/tenants", {"name": "X", "slug": "nope-2"}, expect=401)
    Caller(client, "wrong-token").post("/v1/platform/tenants", {"name": "X", "slug": "nope-3"}, expect=401)


def test_a_suspended_tenants_keys_and_sessions_are_refused_until_it_resumes(platform, tenant):
    shopper = tenant.consumer()

    platform.post(f"/v1/platform/tenants/{tenant.id}/suspend", expect=200)

    for caller, path in ((tenant.admin, "/v1/admin/settings"), (shopper, "/v1/storefront/me"),
                         (tenant.storefront, "/v1/storefront/me")):
        assert caller.get(path, expect=403).get_json()["reason"] == "tenant_suspended"
    platform.post(f"/v1/platform/tenants/{tenant.id}/resume", expect=200)
    shopper.get("/v1/storefront/me", expect=200)


def test_suspending_an_unknown_tenant_is_404(platform):
    assert platform.post("/v1/platform/tenants/ten_nope/suspend", expect=404).get_json()["reason"] == "not_found"


def test_the_cli_creates_a_tenant_and_prints_the_api_body(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", "--name", "Noodles", "--slug", "noodles-cli"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["slug"] == "noodles-cli" and body["admin_key"].startswith("sk_")
    assert body["status"] == "active" and body["currency"] == "CNY"
