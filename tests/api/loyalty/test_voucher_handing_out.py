"""Handing out codes of issue pools: grants (one each, all or nothing) and points-mall rewards."""

from datetime import UTC, datetime, timedelta

from core import clock
from tests.api.loyalty.points import give_points, points_of
from tests.api.loyalty.vouchers import POOLS, counts, create_pool, grant, pool_with_codes, vouchers_of

REWARDS = "/v1/admin/rewards"


def my_vouchers(shopper, **query) -> list[dict]:
    return shopper.get("/v1/storefront/vouchers", query=query, expect=200).get_json()["data"]


def voucher_reward(tenant, pool, **fields) -> dict:
    body = {"name": "Cinema voucher", "points_cost": 100, "voucher_pool_id": pool["id"], **fields}
    return tenant.admin.post(REWARDS, body, expect=201).get_json()


def exchange(shopper, reward, *, expect: int = 201) -> dict:
    return shopper.post(f"/v1/storefront/rewards/{reward['id']}/exchange", expect=expect).get_json()


def test_a_grant_gives_one_code_to_each_customer_who_holds_none_of_the_pool(tenant):
    pool = pool_with_codes(tenant, ["GRNT0001", "GRNT0002", "GRNT0003", "GRNT0004"], direction="issue",
                           name="Birthday gift", face_value=2000)
    alice, bob = tenant.consumer(), tenant.consumer()
    grant(tenant, pool, [alice.customer_id])

    result = grant(tenant, pool, [alice.customer_id, bob.customer_id, bob.customer_id])

    assert result == {"issued": 1, "skipped": 1}
    [bobs] = my_vouchers(bob)
    assert (bobs["pool_id"], bobs["name"], bobs["platform"], bobs["status"], bobs["face_value"]) == (
        pool["id"], "Birthday gift", "offline", "issued", 2000)
    assert len(my_vouchers(alice)) == 1
    assert (counts(tenant, pool)["issued"], counts(tenant, pool)["available"]) == (2, 2)
    assert {v["customer_id"] for v in vouchers_of(tenant, pool, status="issued")} == {alice.customer_id,
                                                                                     bob.customer_id}


def test_a_grant_bigger_than_what_is_left_gives_nobody_anything(tenant):
    pool = pool_with_codes(tenant, ["LAST0001"], direction="issue")
    shoppers = [tenant.consumer(), tenant.consumer()]

    refused = grant(tenant, pool, [s.customer_id for s in shoppers], expect=409)

    assert refused["reason"] == "voucher_pool_exhausted"
    assert counts(tenant, pool)["available"] == 1
    assert all(my_vouchers(s) == [] for s in shoppers)


def test_a_grant_naming_someone_who_is_not_a_customer_is_refused_whole(tenant, other_tenant):
    pool = pool_with_codes(tenant, ["WHOM0001", "WHOM0002"], direction="issue")
    shopper, stranger = tenant.consumer(), other_tenant.consumer()

    refused = grant(tenant, pool, [shopper.customer_id, stranger.customer_id], expect=422)

    assert refused["reason"] == "invalid_request" and "1" in refused["errors"]["json"]["customer_ids"]
    assert my_vouchers(shopper) == []


def test_archived_accept_and_ended_pools_hand_out_nothing(tenant):
    shopper = tenant.consumer()
    archived = pool_with_codes(tenant, ["ARCV0001"], direction="issue")
    tenant.admin.patch(f"{POOLS}/{archived['id']}", {"status": "archived"}, expect=200)
    accepting = pool_with_codes(tenant, ["ACPT0001"], direction="accept")
    ending = pool_with_codes(tenant, ["ENDG0001"], direction="issue",
                             valid_until=(datetime.now(UTC) + timedelta(hours=1)).isoformat())

    assert grant(tenant, archived, [shopper.customer_id], expect=409)["reason"] == "voucher_pool_archived"
    assert grant(tenant, accepting, [shopper.customer_id], expect=409)["reason"] == "invalid_state"
    with clock.travel(timedelta(hours=2)):
        assert grant(tenant, ending, [shopper.customer_id], expect=409)["reason"] == "voucher_expired"
    assert my_vouchers(shopper) == []


def test_a_customer_exchanges_points_for_a_voucher_code(tenant):
    pool = pool_with_codes(tenant, ["MALL0001", "MALL0002"], direction="issue", platform="douyin",
                           name="Douyin cinema ticket", face_value=3500)
    reward = voucher_reward(tenant, pool)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 250)

    first, second = exchange(shopper, reward), exchange(shopper, reward)

    assert first["points_spent"] == 100 and first["coupon"] is None
    assert (first["voucher"]["platform"], first["voucher"]["name"], first["voucher"]["status"],
            first["voucher"]["face_value"]) == ("douyin", "Douyin cinema ticket", "issued", 3500)
    assert {first["voucher"]["code"], second["voucher"]["code"]} == {"MALL0001", "MALL0002"}
    assert points_of(shopper)["balance"] == 50
    assert reward["voucher_pool"]["id"] == pool["id"] and reward["coupon_template"] is None


def test_when_the_pool_has_no_code_left_the_exchange_is_sold_out_and_spends_no_points(tenant):
    pool = pool_with_codes(tenant, ["ONLY0001"], direction="issue")
    reward = voucher_reward(tenant, pool)
    first, second = tenant.consumer(), tenant.consumer()
    give_points(tenant, first, 100)
    give_points(tenant, second, 100)
    exchange(first, reward)

    refused = exchange(second, reward, expect=409)

    assert refused["reason"] == "reward_sold_out"
    assert points_of(second)["balance"] == 100


def test_an_archived_pools_reward_is_refused_and_hidden_from_the_mall(tenant):
    pool = pool_with_codes(tenant, ["GONE0001"], direction="issue")
    reward = voucher_reward(tenant, pool)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    tenant.admin.patch(f"{POOLS}/{pool['id']}", {"status": "archived"}, expect=200)

    refused = exchange(shopper, reward, expect=409)

    assert refused["reason"] == "voucher_pool_archived"
    assert points_of(shopper)["balance"] == 100
    assert shopper.get("/v1/storefront/rewards", expect=200).get_json()["data"] == []
    assert tenant.admin.post(REWARDS, {"name": "x", "points_cost": 1, "voucher_pool_id": pool["id"]},
                             expect=409).get_json()["reason"] == "voucher_pool_archived"


def test_a_reward_names_a_coupon_template_or_an_issue_pool_one_of_them(tenant):
    accepting = create_pool(tenant, direction="accept")
    issuing = create_pool(tenant, direction="issue")
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "5 off", "kind": "amount_off",
                                                                "amount_off": 500}, expect=201).get_json()

    refusals = [
        tenant.admin.post(REWARDS, {"name": "x", "points_cost": 1}, expect=422),
        tenant.admin.post(REWARDS, {"name": "x", "points_cost": 1, "voucher_pool_id": issuing["id"],
                                    "coupon_template_id": template["id"]}, expect=422),
        tenant.admin.post(REWARDS, {"name": "x", "points_cost": 1, "voucher_pool_id": accepting["id"]}, expect=422),
        tenant.admin.post(REWARDS, {"name": "x", "points_cost": 1, "voucher_pool_id": "vpl_nosuchpool"},
                          expect=422),
    ]

    assert {r.get_json()["reason"] for r in refusals} == {"invalid_request"}


def test_the_storefront_lists_a_customers_vouchers_by_status_as_of_now(tenant):
    shopper = tenant.consumer()
    ending = pool_with_codes(tenant, ["SOON0001"], direction="issue",
                             valid_until=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    lasting = pool_with_codes(tenant, ["LAST1111"], direction="issue")
    grant(tenant, ending, [shopper.customer_id])
    grant(tenant, lasting, [shopper.customer_id])

    with clock.travel(timedelta(hours=2)):
        issued = my_vouchers(shopper, status="issued")
        expired = my_vouchers(shopper, status="expired")
        everything = my_vouchers(shopper)

    assert [v["code"] for v in issued] == ["LAST1111"]
    assert [v["code"] for v in expired] == ["SOON0001"] and expired[0]["status"] == "expired"
    assert len(everything) == 2
    assert tenant.consumer().get("/v1/storefront/vouchers", expect=200).get_json()["data"] == []
