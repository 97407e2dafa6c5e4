def test_replay(tenant):
    a = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, headers={"Idempotency-Key": "k1"}, expect=201)
    b = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, headers={"Idempotency-Key": "k1"}, expect=201)
    assert a.get_json() == b.get_json() and b.headers["Idempotent-Replayed"] == "true"
    c = tenant.admin.post("/v1/admin/api-keys", {"role": "admin"}, headers={"Idempotency-Key": "k1"}, expect=422)
    assert c.get_json()["reason"] == "idempotency_key_reused"
