import pytest

from tenants.keys import service as keys_service
from tests.support.http import Caller


def assert_error_body(response, status, reason):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status and body["reason"] == reason
    assert body["status"] and body["message"]
    return body


def test_an_unknown_path_is_a_json_404(anonymous):
    assert_error_body(anonymous.get("/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(tenant):
    assert_error_body(tenant.admin.request("PUT", "/v1/admin/settings"), 405, "method_not_allowed")


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer sk_unknown", "Bearer pk_unknown",
                                    "Bearer cs_garbage", "Bearer something-else"])
def test_missing_or_bad_credentials_are_a_json_401(client, header):
    headers = {"Authorization": header} if header else {}

    response = client.get("/v1/admin/settings", headers=headers)

    assert_error_body(response, 401, "unauthenticated")


def test_a_role_that_may_not_is_a_json_403(tenant):
    assert_error_body(tenant.key("staff").patch("/v1/admin/settings", {}), 403, "forbidden")


def test_invalid_fields_are_a_json_422_with_per_field_errors(tenant):
    body = assert_error_body(tenant.admin.post("/v1/admin/api-keys", {"role": 7, "extra": 1}), 422,
                             "invalid_request")

    assert set(body["errors"]["json"]) == {"role", "extra"}


def test_a_malformed_json_body_is_a_json_client_error(tenant):
    response = tenant.admin.client.post("/v1/admin/api-keys", data="{not json",
                                        headers={"Authorization": f"Bearer {tenant.admin_key}",
                                                 "Content-Type": "application/json"})

    assert response.status_code in (400, 422)
    assert response.get_json()["reason"] in ("bad_request", "invalid_request")


def test_a_non_object_json_body_is_a_json_422(tenant):
    assert_error_body(tenant.admin.request("POST", "/v1/admin/api-keys", json=[1, 2]), 422, "invalid_request")


def test_an_unexpected_failure_is_a_json_500_without_details(tenant, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(keys_service, "list_keys", explode)

    body = assert_error_body(tenant.admin.get("/v1/admin/api-keys"), 500, "internal_error")
    assert "secret internals" not in str(body)


def test_the_request_id_is_echoed(client):
    response = Caller(client).get("/healthz", headers={"X-Request-Id": "req-123"})

    assert response.headers["X-Request-Id"] == "req-123"


def test_text_no_database_can_store_is_refused_as_invalid_not_a_500(tenant):
    refused = tenant.admin.post("/v1/admin/products", {"title": "tea\u0000", "skus": [{"price": 1, "stock": 1}]},
                                expect=422).get_json()
    surrogate = tenant.admin.patch("/v1/admin/settings", {"auth": {"dev_login_enabled": "\udafe"}},
                                   expect=422).get_json()
    nul_in_settings = tenant.admin.patch("/v1/admin/settings", {"wechat": {"app_id": "wx\u0000"}},
                                         expect=422).get_json()

    assert refused["reason"] == "invalid_request" and "title" in refused["errors"]["json"]
    assert surrogate["reason"] == nul_in_settings["reason"] == "invalid_request"
    assert tenant.admin.get("/v1/admin/products", expect=200).get_json()["data"] == []
