from sqlalchemy import select

from core.db import unit_of_work
from core.tenancy import tenant_scope
from tenants.keys.models import ApiKey


def test_a_key_is_shown_once_and_stored_only_as_a_hash(tenant):
    created = tenant.admin.post("/v1/admin/api-keys", {"role": "finance", "name": "Books"}, expect=201).get_json()

    listed = tenant.admin.get("/v1/admin/api-keys", expect=200).get_json()["data"]
    with unit_of_work() as session, tenant_scope(tenant.id):
        stored = session.scalars(select(ApiKey).where(ApiKey.id == created["id"])).one()
    assert created["key"].startswith("sk_") and created["role"] == "finance"
    assert all("key" not in key for key in listed)
    assert created["key"] not in (stored.key_hash, stored.key_hint)


def test_a_used_key_records_when_it_was_last_used(tenant):
    created = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, expect=201).get_json()

    tenant.admin.as_(created["key"]).get("/v1/admin/customers", expect=200)

    listed = {k["id"]: k for k in tenant.admin.get("/v1/admin/api-keys", expect=200).get_json()["data"]}
    assert listed[created["id"]]["last_used_at"] is not None


def test_a_revoked_key_stops_working_at_once(tenant):
    created = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, expect=201).get_json()
    staff = tenant.admin.as_(created["key"])
    staff.get("/v1/admin/customers", expect=200)

    tenant.admin.delete(f"/v1/admin/api-keys/{created['id']}", expect=200)

    assert staff.get("/v1/admin/customers", expect=401).get_json()["reason"] == "unauthenticated"


def test_roles_limit_what_a_key_may_do(tenant):
    staff, finance = tenant.key("staff"), tenant.key("finance")

    assert staff.post("/v1/admin/api-keys", {"role": "admin"}, expect=403).get_json()["reason"] == "forbidden"
    finance.patch("/v1/admin/settings", {"auth": {"dev_login_enabled": True}}, expect=403)
    finance.get("/v1/admin/settings", expect=200)


def test_an_unknown_role_is_refused(tenant):
    response = tenant.admin.post("/v1/admin/api-keys", {"role": "owner"}, expect=422)

    assert response.get_json()["errors"]["json"]["role"]
