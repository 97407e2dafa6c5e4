from tests.api.loyalty.coupons import TEMPLATES, claim, create_template


def test_an_admin_creates_an_amount_off_template(tenant):
    template = create_template(tenant, name="Spring", amount_off=500, min_spend=3_000, total_quantity=100,
                               per_customer_limit=2, valid_days=7)

    assert template["id"].startswith("cpt_")
    assert (template["kind"], template["amount_off"], template["min_spend"]) == ("amount_off", 500, 3_000)
    assert (template["total_quantity"], template["per_customer_limit"], template["valid_days"]) == (100, 2, 7)
    assert (template["issued_count"], template["claimable"], template["product_ids"]) == (0, True, None)


def test_percent_off_is_a_number_with_up_to_two_decimals_and_an_optional_cap(tenant):
    template = create_template(tenant, kind="percent_off", amount_off=None, percent_off=15.5, max_discount=2_000,
                               product_ids=["prd_a", "prd_b"])

    assert (template["percent_off"], template["max_discount"]) == (15.5, 2_000)
    assert template["product_ids"] == ["prd_a", "prd_b"]
    assert create_template(tenant, kind="percent_off", amount_off=None, percent_off=15)["percent_off"] == 15


def test_inconsistent_terms_are_refused(tenant):
    refused = [
        {"name": "x", "kind": "amount_off"},
        {"name": "x", "kind": "percent_off", "amount_off": 100},
        {"name": "x", "kind": "percent_off", "percent_off": 101},
        {"name": "x", "kind": "percent_off", "percent_off": 12.345},
        {"name": "x", "kind": "amount_off", "amount_off": 100, "max_discount": 50},
        {"name": "x", "kind": "amount_off", "amount_off": 100, "valid_days": 3, "valid_until": "2030-01-01T00:00:00Z"},
        {"name": "x", "kind": "amount_off", "amount_off": 100, "valid_from": "2030-01-02T00:00:00Z",
         "valid_until": "2030-01-01T00:00:00Z"},
        {"name": "x", "kind": "amount_off", "amount_off": 100, "total_quantity": 0},
        {"name": "x", "kind": "bogo", "amount_off": 100},
    ]

    for body in refused:
        response = tenant.admin.post(TEMPLATES, body, expect=422)
        assert response.get_json()["reason"] == "invalid_request", body


def test_consumers_see_only_claimable_templates_with_coupons_left(tenant):
    open_template = create_template(tenant, name="open")
    create_template(tenant, name="grant only", claimable=False)
    sold_out = create_template(tenant, name="last one", total_quantity=1)
    create_template(tenant, name="ended", valid_from="2020-01-01T00:00:00Z", valid_until="2020-02-01T00:00:00Z")
    claim(tenant.consumer(), sold_out["id"])

    listed = tenant.storefront.get("/v1/storefront/coupon-templates", expect=200).get_json()["data"]

    assert [template["id"] for template in listed] == [open_template["id"]]


def test_another_tenants_template_is_not_found(tenant, other_tenant):
    template = create_template(other_tenant)

    tenant.admin.get(f"{TEMPLATES}/{template['id']}", expect=404)
    claim(tenant.consumer(), template["id"], expect=404)
