"""Customers (search, points with entries, adjustments, coupons), coupon templates and rewards in the console."""

from __future__ import annotations

import re

from tests.api.shop.builders import create_product


def errors_of(response) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True)))


def test_customers_are_found_by_invite_code_or_id(admin_console, tenant):
    alice, bob = tenant.consumer(), tenant.consumer()
    alice_code = tenant.admin.get(f"/v1/admin/customers/{alice.customer_id}", expect=200).get_json()["invite_code"]

    by_code = admin_console.get(f"/console/customers?q={alice_code.lower()}").get_data(as_text=True)
    by_id = admin_console.get(f"/console/customers?q={bob.customer_id}").get_data(as_text=True)
    nobody = admin_console.get("/console/customers?q=%25").get_data(as_text=True)

    assert f'data-id="{alice.customer_id}"' in by_code and f'data-id="{bob.customer_id}"' not in by_code
    assert f'data-id="{bob.customer_id}"' in by_id and f'data-id="{alice.customer_id}"' not in by_id
    assert f'data-id="{alice.customer_id}"' not in nobody  # "%" is a character, not a wildcard


def test_adjusting_points_adds_and_takes_with_a_reason_and_shows_the_entries(admin_console, tenant):
    customer = tenant.consumer().customer_id
    path = f"/console/customers/{customer}"

    added = admin_console.submit(path, "adjust-points", {"points": "120", "reason": "生日礼物"})
    taken = admin_console.submit(path, "adjust-points", {"points": "-20", "reason": "Correction"})

    assert added.status_code == taken.status_code == 303
    assert tenant.admin.get(f"/v1/admin/customers/{customer}/points", expect=200).get_json()["balance"] == 100
    page = admin_console.get(path).get_data(as_text=True)
    assert "生日礼物" in page and "+120" in page and "-20" in page
    assert re.search(r'data-figure="balance"><dt>[^<]*</dt><dd>100<', page)


def test_taking_more_points_than_the_customer_has_is_refused_in_words(admin_console, tenant):
    customer = tenant.consumer().customer_id

    response = admin_console.submit(f"/console/customers/{customer}", "adjust-points",
                                    {"points": "-5", "reason": "oops"})

    assert response.status_code == 409
    assert 'data-reason="insufficient_points"' in response.get_data(as_text=True)


def test_an_adjustment_needs_points_and_a_reason(admin_console, tenant):
    customer = tenant.consumer().customer_id

    response = admin_console.submit(f"/console/customers/{customer}", "adjust-points", {"points": "0", "reason": ""})

    assert response.status_code == 422 and errors_of(response) == {"points", "reason"}


def test_a_customers_coupons_are_listed(admin_console, tenant):
    shopper = tenant.consumer()
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Ten off", "kind": "amount_off",
                                                               "amount_off": 1000}, expect=201).get_json()
    coupon = shopper.post(f"/v1/storefront/coupon-templates/{template['id']}/claim", expect=201).get_json()

    page = admin_console.get(f"/console/customers/{shopper.customer_id}").get_data(as_text=True)

    assert f'data-id="{coupon["id"]}"' in page and 'data-status="available"' in page


def test_a_coupon_template_is_created_with_yuan_amounts_and_local_times(admin_console, tenant):
    product = create_product(tenant)

    response = admin_console.submit("/console/coupons", "save", {
        "name": "满100减15", "kind": "amount_off", "amount_off": "15", "min_spend": "100.00",
        "valid_from": "2027-01-01T00:00", "valid_until": "2027-02-01T00:00", "total_quantity": "500",
        "per_customer_limit": "1", "product_ids": product["id"], "claimable": "on"})

    assert response.status_code == 303
    [template] = tenant.admin.get("/v1/admin/coupon-templates", expect=200).get_json()["data"]
    assert (template["amount_off"], template["min_spend"], template["total_quantity"]) == (1500, 10000, 500)
    assert template["valid_from"].startswith("2026-12-31T16:00:00")  # midnight in Shanghai
    assert template["product_ids"] == [product["id"]] and template["claimable"] is True
    assert f'data-id="{template["id"]}"' in admin_console.get("/console/coupons").get_data(as_text=True)


def test_coupon_terms_the_api_refuses_are_shown_at_their_fields(admin_console, tenant):
    response = admin_console.submit("/console/coupons", "save", {
        "name": "Half", "kind": "percent_off", "percent_off": "", "amount_off": "5", "valid_days": "7",
        "valid_until": "2027-02-01T00:00"})

    assert response.status_code == 422
    assert {"percent_off"} <= errors_of(response) or {"amount_off"} <= errors_of(response)
    assert tenant.admin.get("/v1/admin/coupon-templates", expect=200).get_json()["data"] == []


def test_a_reward_is_created_for_a_template_and_listed(admin_console, tenant):
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Ten off", "kind": "amount_off",
                                                               "amount_off": 1000}, expect=201).get_json()

    response = admin_console.submit("/console/rewards", "save", {"name": "Ten yuan coupon", "points_cost": "300",
                                                                 "coupon_template_id": template["id"], "stock": "20"})

    assert response.status_code == 303
    [reward] = tenant.admin.get("/v1/admin/rewards", expect=200).get_json()["data"]
    assert (reward["points_cost"], reward["stock"], reward["coupon_template_id"]) == (300, 20, template["id"])
    assert f'data-id="{reward["id"]}"' in admin_console.get("/console/rewards").get_data(as_text=True)


def test_a_reward_needs_a_price_in_points(admin_console, tenant):
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Ten off", "kind": "amount_off",
                                                               "amount_off": 1000}, expect=201).get_json()

    response = admin_console.submit("/console/rewards", "save", {"name": "Free", "points_cost": "",
                                                                 "coupon_template_id": template["id"]})

    assert response.status_code == 422 and "points_cost" in errors_of(response)
