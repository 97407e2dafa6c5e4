"""Starting and joining groups through the normal checkout, and every refusal with its reason."""

from datetime import timedelta

from core import clock
from tests.api.groupbuy.builders import campaign, group, joined, later, order, refusal, run_jobs_after, started
from tests.api.shop.builders import create_product, pay_offline, sku_id, stock_of


def orders_of(tenant) -> list[dict]:
    return tenant.admin.get("/v1/admin/orders", query={"limit": 100}, expect=200).get_json()["data"]


def test_joining_a_forming_group_takes_a_seat_at_the_group_price(tenant):
    gb = campaign(tenant, price=2500, group_size=3)
    leader, first = started(tenant, gb)
    member = tenant.consumer()

    placed = order(member, gb, group_id=first["group_buy"]["group_id"])

    assert placed["lines"][0]["unit_price"] == 2500
    assert placed["group_buy"]["role"] == "member" and placed["group_buy"]["group_status"] == "forming"
    shown = group(leader, first["group_buy"]["group_id"])
    assert (shown["seats_left"], shown["paid_count"]) == (1, 1)
    assert [(m["customer_id"], m["paid"]) for m in shown["members"]] == [(leader.customer_id, True),
                                                                        (member.customer_id, False)]


def test_points_may_be_used_on_a_group_order_after_the_group_price(tenant):
    tenant.settings({"loyalty": {"point_value": 1, "max_points_ratio": "0.5"}})
    gb = campaign(tenant, price=3000)
    leader = tenant.consumer()
    tenant.admin.post(f"/v1/admin/customers/{leader.customer_id}/points/adjustments",
                      {"points": 1000, "reason": "welcome"}, expect=201)

    placed = order(leader, gb, points=1000)

    assert (placed["subtotal"], placed["points_deduction"], placed["total"]) == (3000, 1000, 2000)


def test_a_coupon_on_a_group_order_is_refused_and_nothing_is_held(tenant):
    gb = campaign(tenant)
    leader = tenant.consumer()
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "5 off", "kind": "amount_off",
                                                                "amount_off": 500, "claimable": True},
                                 expect=201).get_json()
    coupon = leader.post(f"/v1/storefront/coupon-templates/{template['id']}/claim", expect=201).get_json()

    assert refusal(leader, gb, coupon_id=coupon["id"]) == "coupon_not_applicable"
    assert stock_of(tenant, gb["product"]) == 100 and orders_of(tenant) == []


def test_a_voucher_on_a_group_order_is_refused(tenant):
    gb = campaign(tenant)

    assert refusal(tenant.consumer(), gb, voucher_code="ANYCODE1") == "voucher_not_applicable"


def test_a_campaign_not_started_or_ended_is_not_active(tenant):
    scheduled = campaign(tenant, starts_at=later(days=1), ends_at=later(days=2))
    running = campaign(tenant)
    tenant.admin.post(f"/v1/admin/group-buys/{running['id']}/end", expect=202)
    shopper = tenant.consumer()

    assert refusal(shopper, scheduled) == "group_buy_not_active"
    assert refusal(shopper, running) == "group_buy_not_active"
    assert orders_of(tenant) == []


def test_a_campaign_whose_window_has_passed_is_not_active(tenant):
    gb = campaign(tenant, ends_at=later(hours=1))

    with clock.travel(timedelta(hours=2)):
        assert refusal(tenant.consumer(), gb) == "group_buy_not_active"


def test_a_full_group_refuses_another_seat_even_unpaid_ones_count(tenant):
    gb = campaign(tenant, group_size=2)
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    joined(tenant, gb, group_id, paid=False)

    assert refusal(tenant.consumer(), gb, group_id=group_id) in ("group_full",)


def test_a_pending_group_cannot_be_joined(tenant):
    gb = campaign(tenant)
    placed = order(tenant.consumer(), gb)

    assert refusal(tenant.consumer(), gb, group_id=placed["group_buy"]["group_id"]) == "group_closed"


def test_a_succeeded_group_cannot_be_joined(tenant):
    gb = campaign(tenant, group_size=2)
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    joined(tenant, gb, group_id)

    assert refusal(tenant.consumer(), gb, group_id=group_id) == "group_closed"


def test_a_group_past_its_deadline_cannot_be_joined_even_before_its_job_ran(tenant):
    gb = campaign(tenant, time_limit_minutes=10)
    _leader, first = started(tenant, gb)

    with clock.travel(timedelta(minutes=11)):
        assert refusal(tenant.consumer(), gb, group_id=first["group_buy"]["group_id"]) == "group_closed"


def test_a_failed_group_cannot_be_joined(tenant):
    gb = campaign(tenant, time_limit_minutes=10)
    _leader, first = started(tenant, gb)
    run_jobs_after(tenant, minutes=11)

    assert refusal(tenant.consumer(), gb, group_id=first["group_buy"]["group_id"]) == "group_closed"


def test_a_customer_holds_one_seat_per_group(tenant):
    gb = campaign(tenant, group_size=5)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    member, _ = joined(tenant, gb, group_id, paid=False)

    assert refusal(leader, gb, group_id=group_id) == "already_in_group"
    assert refusal(member, gb, group_id=group_id) == "already_in_group"
    assert group(leader, group_id)["seats_left"] == 3


def test_a_customer_who_left_a_group_may_join_it_again(tenant):
    gb = campaign(tenant, group_size=3)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    member, unpaid = joined(tenant, gb, group_id, paid=False)
    member.post(f"/v1/storefront/orders/{unpaid['id']}/cancel", expect=200)

    again = order(member, gb, group_id=group_id)

    assert again["group_buy"]["role"] == "member"
    assert [m["customer_id"] for m in group(leader, group_id)["members"]] == [leader.customer_id, member.customer_id]


def test_the_per_customer_limit_counts_groups_taken_part_in_as_leader_or_member(tenant):
    gb = campaign(tenant, per_customer_limit=2, group_size=3)
    shopper = tenant.consumer()
    order(shopper, gb)  # leads one (pending)
    _other, first = started(tenant, gb)
    order(shopper, gb, group_id=first["group_buy"]["group_id"])  # a member of another

    assert refusal(shopper, gb) == "group_buy_limit_reached"
    assert len([o for o in orders_of(tenant) if o["customer_id"] == shopper.customer_id]) == 2


def test_a_cancelled_or_refunded_order_no_longer_counts_against_the_limit(tenant):
    gb = campaign(tenant, per_customer_limit=1, group_size=3)
    shopper = tenant.consumer()
    unpaid = order(shopper, gb)
    shopper.post(f"/v1/storefront/orders/{unpaid['id']}/cancel", expect=200)
    paid = pay_offline(tenant, order(shopper, gb))
    assert refusal(shopper, gb) == "group_buy_limit_reached"

    tenant.admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {}, expect=201)

    assert order(shopper, gb)["group_buy"]["role"] == "leader"


def test_a_sku_outside_the_campaign_is_invalid(tenant):
    product = create_product(tenant, skus=[{"name": "small", "price": 1000, "stock": 5},
                                           {"name": "large", "price": 2000, "stock": 5}])
    gb = campaign(tenant, product=product)  # prices the first SKU only

    refused = order(tenant.consumer(), gb, sku=sku_id(product, 1), expect=422)

    assert refused["errors"]["json"]["lines"]["0"]["sku_id"]


def test_a_group_order_has_one_line(tenant):
    gb = campaign(tenant)
    other = create_product(tenant)
    body = {"lines": [{"sku_id": gb["sku"], "quantity": 1}, {"sku_id": sku_id(other), "quantity": 1}],
            "group_buy": {"campaign_id": gb["id"]}}

    refused = tenant.consumer().post("/v1/storefront/orders", body, expect=422).get_json()

    assert refused["errors"]["json"]["lines"]


def test_an_unknown_campaign_or_a_group_of_another_campaign_is_not_found(tenant):
    gb = campaign(tenant)
    other = campaign(tenant)
    _leader, first = started(tenant, other)

    assert order(tenant.consumer(), {**gb, "id": "gby_doesnotexist00000000000000"}, expect=404)["reason"] == "not_found"
    assert order(tenant.consumer(), gb, group_id=first["group_buy"]["group_id"], expect=404)["reason"] == "not_found"


def test_preview_prices_a_group_order_and_says_the_same_refusals_holding_nothing(tenant):
    gb = campaign(tenant, price=3000, group_size=2)
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    shopper = tenant.consumer()
    body = {"lines": [{"sku_id": gb["sku"], "quantity": 1}], "group_buy": {"campaign_id": gb["id"],
                                                                          "group_id": group_id}}

    quote = shopper.post("/v1/storefront/orders/preview", body, expect=200).get_json()
    joined(tenant, gb, group_id)
    closed = shopper.post("/v1/storefront/orders/preview", body, expect=409).get_json()

    assert quote["total"] == 3000 and quote["lines"][0]["unit_price"] == 3000
    assert closed["reason"] == "group_closed"


def test_a_group_checkout_replayed_with_its_idempotency_key_is_one_order_and_one_seat(tenant):
    gb = campaign(tenant, group_size=3)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    member = tenant.consumer()
    body = {"lines": [{"sku_id": gb["sku"], "quantity": 1}], "group_buy": {"campaign_id": gb["id"],
                                                                          "group_id": group_id}}

    once = member.post("/v1/storefront/orders", body, headers={"Idempotency-Key": "join-1"}, expect=201)
    again = member.post("/v1/storefront/orders", body, headers={"Idempotency-Key": "join-1"}, expect=201)

    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == once.get_json()["id"]
    assert group(leader, group_id)["seats_left"] == 1


def test_an_order_outside_group_buys_shows_no_group(tenant):
    product = create_product(tenant)
    shopper = tenant.consumer()

    placed = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": sku_id(product), "quantity": 1}]},
                          expect=201).get_json()

    assert placed["group_buy"] is None
    assert shopper.get(f"/v1/storefront/orders/{placed['id']}", expect=200).get_json()["group_buy"] is None
