"""Campaigns: created and read by the merchant, listed to consumers with their open groups."""

from datetime import timedelta

import pytest

from core import clock
from tests.api.groupbuy.builders import campaign, group, joined, later, order, started
from tests.api.shop.builders import create_product, sku_id


def body(product, **changes) -> dict:
    return {"product_id": product["id"], "prices": [{"sku_id": sku_id(product), "price": 1000}], "group_size": 3,
            "time_limit_minutes": 60, "ends_at": later(days=3), **changes}


def test_a_campaign_is_created_with_its_prices_and_rules(tenant):
    product = create_product(tenant, skus=[{"name": "S", "price": 2000, "stock": 5},
                                           {"name": "L", "price": 3000, "stock": 5}])
    prices = [{"sku_id": sku_id(product, 1), "price": 2400}, {"sku_id": sku_id(product, 0), "price": 1600}]

    created = tenant.admin.post("/v1/admin/group-buys", body(product, prices=prices, per_customer_limit=2,
                                                             virtual_fill_threshold="0.60",
                                                             leader_commission_rate="0.05"),
                                expect=201).get_json()

    assert created["id"].startswith("gby_") and created["status"] == "active"
    assert created["prices"] == prices
    assert (created["group_size"], created["time_limit_minutes"], created["per_customer_limit"]) == (3, 60, 2)
    assert (created["virtual_fill_threshold"], created["leader_commission_rate"]) == ("0.60", "0.05")
    assert tenant.admin.get(f"/v1/admin/group-buys/{created['id']}", expect=200).get_json() == created
    assert created["currency"] == "CNY"


def test_rates_come_back_as_the_decimal_strings_sent_everywhere_a_campaign_is_shown(tenant):
    created = campaign(tenant, virtual_fill_threshold="0.60", leader_commission_rate="0.10")
    path = f"/v1/admin/group-buys/{created['id']}"

    shown = tenant.admin.get(path, expect=200).get_json()
    [listed] = tenant.admin.get("/v1/admin/group-buys", expect=200).get_json()["data"]
    [on_shelf] = tenant.storefront.get("/v1/storefront/group-buys", expect=200).get_json()["data"]
    one_on_shelf = tenant.storefront.get(f"/v1/storefront/group-buys/{created['id']}", expect=200).get_json()

    for seen in (created, shown, listed):
        assert (seen["virtual_fill_threshold"], seen["leader_commission_rate"]) == ("0.60", "0.10")
    for seen in (on_shelf, one_on_shelf):
        assert seen["leader_commission_rate"] == "0.10" and "virtual_fill_threshold" not in seen


@pytest.mark.parametrize(("sent", "kept"), [("0.5", "0.5"), ("0.500", "0.500"), ("5E-1", "0.5"),
                                            ("0.1000000000", "0.100000"), (0.25, "0.25")])
def test_a_rate_is_kept_in_plain_notation_with_at_most_six_places(tenant, sent, kept):
    assert campaign(tenant, leader_commission_rate=sent)["leader_commission_rate"] == kept


def test_defaults_start_now_with_no_limit_no_virtual_fill_and_no_commission(tenant):
    created = campaign(tenant)

    assert created["per_customer_limit"] is None and created["virtual_fill_threshold"] is None
    assert created["leader_commission_rate"] == "0" and created["ended_at"] is None


@pytest.mark.parametrize("changes", [
    {"group_size": 1}, {"group_size": 51}, {"time_limit_minutes": 0}, {"time_limit_minutes": 10081},
    {"prices": []}, {"prices": [{"sku_id": "x", "price": 0}]}, {"virtual_fill_threshold": "1.01"},
    {"virtual_fill_threshold": "-0.1"}, {"leader_commission_rate": "0.51"}, {"leader_commission_rate": "0.1234567"},
    {"ends_at": "2020-01-01T00:00:00+00:00"}, {"ends_at": "2031-01-01T00:00:00"},
])
def test_invalid_campaigns_are_refused(tenant, changes):
    product = create_product(tenant)

    refused = tenant.admin.post("/v1/admin/group-buys", body(product, **changes), expect=422).get_json()

    assert refused["reason"] == "invalid_request"
    assert tenant.admin.get("/v1/admin/group-buys", expect=200).get_json()["data"] == []


def test_a_price_for_a_sku_of_another_product_or_a_price_twice_is_refused(tenant):
    product, other = create_product(tenant), create_product(tenant)

    stranger = tenant.admin.post("/v1/admin/group-buys", body(product, prices=[
        {"sku_id": sku_id(other), "price": 100}]), expect=422).get_json()
    twice = tenant.admin.post("/v1/admin/group-buys", body(product, prices=[
        {"sku_id": sku_id(product), "price": 100}, {"sku_id": sku_id(product), "price": 200}]), expect=422)

    assert stranger["errors"]["json"]["prices"]["0"]["sku_id"]
    assert twice.get_json()["reason"] == "invalid_request"


def test_a_window_that_ends_before_it_starts_is_refused(tenant):
    product = create_product(tenant)

    refused = tenant.admin.post("/v1/admin/group-buys", body(product, starts_at=later(days=5), ends_at=later(days=4)),
                                expect=422).get_json()

    assert refused["errors"]["json"]["ends_at"]


def test_an_unknown_product_is_not_found_and_an_archived_one_invalid(tenant):
    product = create_product(tenant)
    tenant.admin.patch(f"/v1/admin/products/{product['id']}", {"status": "archived"}, expect=200)

    tenant.admin.post("/v1/admin/group-buys", body({"id": "prod_doesnotexist0000000000", "skus": [{"id": "sku_x"}]}),
                      expect=404)
    tenant.admin.post("/v1/admin/group-buys", body(product), expect=422)


def test_the_status_follows_the_window_by_itself(tenant):
    created = campaign(tenant, starts_at=later(hours=1), ends_at=later(hours=2))

    def status():
        return tenant.admin.get(f"/v1/admin/group-buys/{created['id']}", expect=200).get_json()["status"]

    assert status() == "scheduled"
    with clock.travel(timedelta(minutes=90)):
        assert status() == "active"
    with clock.travel(timedelta(hours=3)):
        assert status() == "ended"


def test_roles_finance_and_staff_read_consumers_do_not(tenant):
    created = campaign(tenant)
    finance, staff = tenant.key("finance"), tenant.key("staff")

    assert finance.get(f"/v1/admin/group-buys/{created['id']}", expect=200)
    assert staff.get("/v1/admin/group-buys", expect=200)
    finance.post(f"/v1/admin/group-buys/{created['id']}/end", expect=403)
    tenant.consumer().get("/v1/admin/group-buys", expect=403)


def test_the_storefront_lists_running_campaigns_only(tenant):
    running = campaign(tenant)
    campaign(tenant, starts_at=later(days=1), ends_at=later(days=2))
    ended = campaign(tenant)
    tenant.admin.post(f"/v1/admin/group-buys/{ended['id']}/end", expect=202)

    listed = tenant.storefront.get("/v1/storefront/group-buys", expect=200).get_json()["data"]

    assert [c["id"] for c in listed] == [running["id"]]
    assert "virtual_fill_threshold" not in listed[0]


def test_a_campaign_shows_its_open_groups_fewest_seats_left_first(tenant):
    gb = campaign(tenant, group_size=4)
    _a, nearly = started(tenant, gb)
    joined(tenant, gb, nearly["group_buy"]["group_id"])
    joined(tenant, gb, nearly["group_buy"]["group_id"], paid=False)  # 1 seat left
    _b, fresh = started(tenant, gb)  # 3 seats left
    _c, full = started(tenant, gb)
    for _ in range(3):
        joined(tenant, gb, full["group_buy"]["group_id"], paid=False)  # no seat left: not open
    order(tenant.consumer(), gb)  # pending: not open

    shown = tenant.consumer().get(f"/v1/storefront/group-buys/{gb['id']}", expect=200).get_json()

    assert [(g["id"], g["seats_left"]) for g in shown["open_groups"]] == [
        (nearly["group_buy"]["group_id"], 1), (fresh["group_buy"]["group_id"], 3)]
    assert all(g["expires_at"] for g in shown["open_groups"])


def test_any_consumer_of_the_shop_sees_a_group_and_others_do_not(tenant, other_tenant):
    gb = campaign(tenant)
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]

    assert group(tenant.consumer(), group_id)["id"] == group_id
    other_tenant.consumer().get(f"/v1/storefront/groups/{group_id}", expect=404)
    tenant.storefront.get(f"/v1/storefront/groups/{group_id}", expect=403)


def test_the_merchant_lists_a_campaigns_groups_by_status_with_their_orders(tenant):
    gb = campaign(tenant, group_size=2)
    _a, forming = started(tenant, gb)
    _b, done = started(tenant, gb)
    _member, paid = joined(tenant, gb, done["group_buy"]["group_id"])

    def listed(status=None):
        query = {"status": status} if status else {}
        return tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}/groups", query=query, expect=200).get_json()["data"]

    assert [g["id"] for g in listed("forming")] == [forming["group_buy"]["group_id"]]
    [succeeded] = listed("succeeded")
    assert [m["order_id"] for m in succeeded["members"]] == [done["id"], paid["id"]]
    assert len(listed()) == 2
    tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}/groups", query={"status": "open"}, expect=422)
