from tests.api.loyalty.points import entries_of, give_points, points_of


def adjustments_path(customer_id):
    return f"/v1/admin/customers/{customer_id}/points/adjustments"


def test_an_admin_adds_points_with_a_reason(tenant):
    shopper = tenant.consumer()
    body = {"points": 80, "reason": "Apology for a late parcel"}

    entry = tenant.admin.post(adjustments_path(shopper.customer_id), body, expect=201).get_json()

    assert (entry["kind"], entry["points"], entry["reason"]) == ("adjustment", 80, "Apology for a late parcel")
    assert points_of(shopper)["balance"] == 80


def test_an_admin_takes_points_away_but_never_below_zero(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 50)

    refused = tenant.admin.post(adjustments_path(shopper.customer_id), {"points": -51, "reason": "typo"}, expect=409)
    tenant.admin.post(adjustments_path(shopper.customer_id), {"points": -50, "reason": "typo"}, expect=201)

    assert refused.get_json()["reason"] == "insufficient_points"
    assert points_of(shopper)["balance"] == 0
    assert entries_of(shopper) == [("adjustment", 50), ("adjustment", -50)]


def test_an_adjustment_needs_non_zero_points_and_a_reason(tenant):
    shopper = tenant.consumer()

    for body in ({"points": 0, "reason": "x"}, {"points": 5}, {"points": 5, "reason": ""}, {"points": "many"}):
        response = tenant.admin.post(adjustments_path(shopper.customer_id), body, expect=422)
        assert response.get_json()["reason"] == "invalid_request"


def test_another_tenants_customer_is_not_found(tenant, other_tenant):
    stranger = other_tenant.consumer()

    response = tenant.admin.post(adjustments_path(stranger.customer_id), {"points": 5, "reason": "x"}, expect=404)

    assert response.get_json()["reason"] == "not_found"
    assert points_of(stranger)["balance"] == 0


def test_only_admins_adjust_points(tenant):
    shopper = tenant.consumer()

    tenant.key("finance").post(adjustments_path(shopper.customer_id), {"points": 5, "reason": "x"}, expect=403)
    shopper.post(adjustments_path(shopper.customer_id), {"points": 5, "reason": "x"}, expect=403)


def test_a_replayed_adjustment_credits_once(tenant):
    shopper = tenant.consumer()
    headers = {"Idempotency-Key": "adjust-1"}

    first = tenant.admin.post(adjustments_path(shopper.customer_id), {"points": 30, "reason": "x"}, headers=headers,
                              expect=201)
    again = tenant.admin.post(adjustments_path(shopper.customer_id), {"points": 30, "reason": "x"}, headers=headers,
                              expect=201)

    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert points_of(shopper)["balance"] == 30


def test_staff_read_a_customers_points_and_ledger(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 12)
    staff = tenant.key("staff")

    summary = staff.get(f"/v1/admin/customers/{shopper.customer_id}/points", expect=200).get_json()
    entries = staff.get(f"/v1/admin/customers/{shopper.customer_id}/points/entries", expect=200).get_json()

    assert summary["balance"] == 12
    assert [entry["points"] for entry in entries["data"]] == [12]
