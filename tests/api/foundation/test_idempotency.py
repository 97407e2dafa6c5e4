import logging
import threading

from sqlalchemy import select

from core.db import Base, unit_of_work
from core.tenancy import all_tenants
from tests.support.http import Caller

KEY_BODY = {"role": "staff", "name": "till"}


def create_key(tenant, key, body=KEY_BODY):
    return tenant.admin.post("/v1/admin/api-keys", body, headers={"Idempotency-Key": key})


def test_a_replay_returns_the_first_response(tenant):
    first = create_key(tenant, "key-1")

    replay = create_key(tenant, "key-1")

    assert first.status_code == replay.status_code == 201
    assert replay.get_json() == {**first.get_json(), "key": None}  # the secret is shown once (below)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(tenant.admin.get("/v1/admin/api-keys", expect=200).get_json()["data"]) == 2  # initial admin + one


def test_the_same_key_with_a_different_body_is_refused(tenant):
    create_key(tenant, "key-2")

    response = create_key(tenant, "key-2", {"role": "finance"})

    assert response.status_code == 422
    assert response.get_json()["reason"] == "idempotency_key_reused"


def test_a_refusal_is_replayed_too(tenant):
    first = create_key(tenant, "key-3", {"role": "owner"})

    replay = create_key(tenant, "key-3", {"role": "owner"})

    assert first.status_code == replay.status_code == 422
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_to_the_tenant(tenant, other_tenant):
    mine = create_key(tenant, "shared-key").get_json()

    theirs = create_key(other_tenant, "shared-key").get_json()

    assert mine["id"] != theirs["id"]


def test_an_overlong_key_is_refused(tenant):
    assert create_key(tenant, "k" * 256).get_json()["reason"] == "invalid_request"


def test_two_concurrent_requests_with_one_key_create_once(app, tenant):
    barrier = threading.Barrier(6)
    responses = []

    def send():
        client = app.test_client()
        barrier.wait()
        responses.append(client.post("/v1/admin/api-keys", json=KEY_BODY, headers={
            "Authorization": f"Bearer {tenant.admin_key}", "Idempotency-Key": "race-key"}))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r.status_code for r in responses} == {201}
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert len(tenant.admin.get("/v1/admin/api-keys", expect=200).get_json()["data"]) == 2


def every_stored_value() -> str:
    """Every row of every table, as text."""
    with unit_of_work() as session, all_tenants():
        return "\n".join(str(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in session.execute(select(table)))


def test_an_api_key_secret_exists_in_plain_text_only_in_the_response_that_creates_it(tenant, caplog):
    caplog.set_level(logging.DEBUG)

    created = create_key(tenant, "secret-once")
    replay = create_key(tenant, "secret-once")

    secret = created.get_json()["key"]
    assert secret.startswith("sk_")
    assert replay.status_code == 201 and replay.get_json()["key"] is None
    assert replay.get_json()["id"] == created.get_json()["id"]
    assert secret not in every_stored_value()
    assert secret not in caplog.text
    Caller(tenant.client, secret).get("/v1/admin/settings", expect=200)  # and it works
