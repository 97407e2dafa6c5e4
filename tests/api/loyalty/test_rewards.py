"""The points mall: exchanges are all or nothing, within stock and per-customer limits, and idempotent."""

from tests.api.loyalty.coupons import TEMPLATES, coupons_of, create_template
from tests.api.loyalty.points import entries_of, give_points, points_of


def create_reward(tenant, **terms):
    template = create_template(tenant, claimable=False, valid_days=30)
    body = {"name": "10 off for 100 points", "points_cost": 100, "coupon_template_id": template["id"], **terms}
    return tenant.admin.post("/v1/admin/rewards", body, expect=201).get_json()


def exchange(shopper, reward_id, expect=201, **kwargs):
    return shopper.post(f"/v1/storefront/rewards/{reward_id}/exchange", expect=expect, **kwargs)


def test_an_exchange_spends_the_points_and_issues_the_coupon(tenant):
    reward = create_reward(tenant, stock=5)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 150)

    result = exchange(shopper, reward["id"]).get_json()

    assert result["points_spent"] == 100
    assert (result["coupon"]["status"], result["coupon"]["source"]) == ("available", "exchange")
    assert result["coupon"]["template_id"] == reward["coupon_template_id"]
    assert points_of(shopper)["balance"] == 50
    assert entries_of(shopper)[-1] == ("exchange", -100)
    assert [c["id"] for c in coupons_of(shopper)] == [result["coupon"]["id"]]
    listed = tenant.storefront.get("/v1/storefront/rewards", expect=200).get_json()["data"]
    assert (listed[0]["stock"], listed[0]["exchanged_count"]) == (4, 1)


def test_without_enough_points_nothing_changes(tenant):
    reward = create_reward(tenant, stock=1)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 99)

    refused = exchange(shopper, reward["id"], expect=409).get_json()

    assert refused["reason"] == "insufficient_points"
    assert points_of(shopper)["balance"] == 99 and coupons_of(shopper) == []
    assert tenant.storefront.get("/v1/storefront/rewards", expect=200).get_json()["data"][0]["stock"] == 1
    template = tenant.admin.get(f"{TEMPLATES}/{reward['coupon_template_id']}", expect=200).get_json()
    assert template["issued_count"] == 0


def test_a_sold_out_reward_is_refused_and_no_longer_listed(tenant):
    reward = create_reward(tenant, stock=1)
    first, second = tenant.consumer(), tenant.consumer()
    give_points(tenant, first, 100)
    give_points(tenant, second, 100)
    exchange(first, reward["id"])

    refused = exchange(second, reward["id"], expect=409).get_json()

    assert refused["reason"] == "reward_sold_out"
    assert points_of(second)["balance"] == 100
    assert tenant.storefront.get("/v1/storefront/rewards", expect=200).get_json()["data"] == []


def test_a_reward_whose_coupon_template_ran_out_is_sold_out(tenant):
    template = create_template(tenant, claimable=False, total_quantity=1)
    reward = tenant.admin.post("/v1/admin/rewards", {"name": "r", "points_cost": 10,
                                                     "coupon_template_id": template["id"]}, expect=201).get_json()
    tenant.admin.post(f"{TEMPLATES}/{template['id']}/grants", {"customer_ids": [tenant.consumer().customer_id]},
                      expect=201)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 10)

    assert exchange(shopper, reward["id"], expect=409).get_json()["reason"] == "reward_sold_out"
    assert points_of(shopper)["balance"] == 10


def test_a_customer_exchanges_no_more_than_the_per_customer_limit(tenant):
    reward = create_reward(tenant, per_customer_limit=1)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 300)
    exchange(shopper, reward["id"])

    refused = exchange(shopper, reward["id"], expect=409).get_json()

    assert refused["reason"] == "reward_limit_reached"
    assert points_of(shopper)["balance"] == 200


def test_a_retried_exchange_with_the_same_key_spends_once(tenant):
    reward = create_reward(tenant)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 300)
    headers = {"Idempotency-Key": "exchange-1"}

    first = exchange(shopper, reward["id"], headers=headers)
    again = exchange(shopper, reward["id"], headers=headers)

    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert points_of(shopper)["balance"] == 200 and len(coupons_of(shopper)) == 1


def test_a_reward_needs_an_existing_template_of_the_tenant(tenant, other_tenant):
    theirs = create_template(other_tenant)

    refused = tenant.admin.post("/v1/admin/rewards", {"name": "r", "points_cost": 10,
                                                      "coupon_template_id": theirs["id"]}, expect=422).get_json()

    assert "coupon_template_id" in refused["errors"]["json"]
    tenant.consumer().post("/v1/storefront/rewards/rwd_nothing/exchange", expect=404)
