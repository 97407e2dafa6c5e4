"""Checkout with loyalty's coupon and points: priced per line, held with the order, released or spent with it."""

from datetime import timedelta

from core import clock, jobs
from core.events import OrderRefunded
from tests.api.shop.builders import admin_order, create_product, pay_offline, place_order, sku_id, stock_of
from tests.api.shop.conftest import of_order


def coupon_for(tenant, shopper, **terms) -> str:
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Spring sale", "claimable": False, **terms},
                                 expect=201).get_json()
    tenant.admin.post(f"/v1/admin/coupon-templates/{template['id']}/grants", {"customer_ids": [shopper.customer_id]},
                      expect=201)
    coupons = shopper.get("/v1/storefront/coupons", expect=200).get_json()["data"]
    return next(coupon["id"] for coupon in coupons if coupon["template_id"] == template["id"])


def coupon_status(shopper, coupon_id: str) -> str:
    coupons = shopper.get("/v1/storefront/coupons", expect=200).get_json()["data"]
    return next(coupon["status"] for coupon in coupons if coupon["id"] == coupon_id)


def give_points(tenant, shopper, points: int) -> None:
    tenant.admin.post(f"/v1/admin/customers/{shopper.customer_id}/points/adjustments",
                      {"points": points, "reason": "Welcome gift"}, expect=201)


def points_balance(shopper) -> int:
    return shopper.get("/v1/storefront/points", expect=200).get_json()["balance"]


def tea_and_cups(tenant):
    tea = create_product(tenant, title="Tea", skus=[{"price": 1000, "stock": 10}])
    cups = create_product(tenant, title="Cups", skus=[{"price": 300, "stock": 10}])
    return tea, cups


def test_a_coupon_and_points_are_shared_over_the_lines_and_held_with_the_order(tenant):
    tea, cups = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="percent_off", percent_off=10)
    give_points(tenant, shopper, 1000)

    order = place_order(shopper, [(sku_id(tea), 3), (sku_id(cups), 2)], coupon_id=coupon_id, points=1000)

    assert (order["subtotal"], order["discount_total"], order["points_used"], order["points_deduction"],
            order["total"], order["coupon_id"]) == (3600, 360, 1000, 1000, 2240, coupon_id)
    assert [(line["subtotal"], line["discount"], line["points_deduction"], line["total"])
            for line in order["lines"]] == [(3000, 300, 833, 1867), (600, 60, 167, 373)]
    assert coupon_status(shopper, coupon_id) == "locked"
    assert points_balance(shopper) == 0


def test_a_scoped_coupon_discounts_only_the_lines_in_its_scope(tenant):
    tea, cups = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=200, product_ids=[cups["id"]])

    quote = shopper.post("/v1/storefront/orders/preview", {"lines": [
        {"sku_id": sku_id(tea), "quantity": 1}, {"sku_id": sku_id(cups), "quantity": 2}], "coupon_id": coupon_id},
        expect=200).get_json()

    assert [(line["discount"], line["total"]) for line in quote["lines"]] == [(0, 1000), (200, 400)]
    assert quote["total"] == 1400
    assert coupon_status(shopper, coupon_id) == "available"


def test_a_coupon_that_does_not_apply_refuses_the_order_and_holds_nothing(tenant):
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=500, min_spend=5000)
    give_points(tenant, shopper, 100)

    refused = place_order(shopper, [(sku_id(tea), 1)], coupon_id=coupon_id, points=100, expect=409)

    assert refused["reason"] == "coupon_not_applicable"
    assert (stock_of(tenant, tea), coupon_status(shopper, coupon_id), points_balance(shopper)) == (
        10, "available", 100)


def test_someone_elses_coupon_is_not_applicable(tenant):
    tea, _ = tea_and_cups(tenant)
    alice, bob = tenant.consumer("alice"), tenant.consumer("bob")
    alices = coupon_for(tenant, alice, kind="amount_off", amount_off=100)

    refused = place_order(bob, [(sku_id(tea), 1)], coupon_id=alices, expect=409)

    assert refused["reason"] == "coupon_not_applicable"


def test_more_points_than_the_customer_has_are_refused_and_nothing_is_held(tenant):
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=100)
    give_points(tenant, shopper, 50)

    refused = place_order(shopper, [(sku_id(tea), 2)], coupon_id=coupon_id, points=51, expect=409)

    assert refused["reason"] == "insufficient_points"
    assert (stock_of(tenant, tea), coupon_status(shopper, coupon_id), points_balance(shopper)) == (
        10, "available", 50)


def test_more_points_than_max_points_ratio_allows_are_refused(tenant):
    tenant.settings({"loyalty": {"max_points_ratio": "0.3", "point_value": 2}})
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    give_points(tenant, shopper, 1000)

    at_limit = shopper.post("/v1/storefront/orders/preview", {"lines": [{"sku_id": sku_id(tea), "quantity": 1}],
                                                              "points": 150}, expect=200).get_json()
    refused = place_order(shopper, [(sku_id(tea), 1)], points=151, expect=409)

    assert (at_limit["points_deduction"], at_limit["total"]) == (300, 700)
    assert refused["reason"] == "points_limit_exceeded"
    assert (stock_of(tenant, tea), points_balance(shopper)) == (10, 1000)


def test_cancelling_gives_the_coupon_and_points_back(tenant):
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=100)
    give_points(tenant, shopper, 300)
    order = place_order(shopper, [(sku_id(tea), 2)], coupon_id=coupon_id, points=300)

    shopper.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=200)

    assert (coupon_status(shopper, coupon_id), points_balance(shopper), stock_of(tenant, tea)) == (
        "available", 300, 10)


def test_paying_uses_the_coupon_and_a_refund_returns_the_lines_share_of_the_points(tenant, published):
    tea, cups = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="percent_off", percent_off=10)
    give_points(tenant, shopper, 1000)
    order = place_order(shopper, [(sku_id(tea), 3), (sku_id(cups), 2)], coupon_id=coupon_id, points=1000)
    pay_offline(tenant, order)

    tea_line = order["lines"][0]
    refunded = tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds",
                                 {"lines": [{"line_id": tea_line["id"], "quantity": 3}]}, expect=201).get_json()

    assert coupon_status(shopper, coupon_id) == "used"
    assert refunded["amount"] == 1867 and refunded["points_returned"] == 833
    [event] = of_order(published, order["id"], OrderRefunded)
    assert (event.points_returned, event.amount, event.paid_amount) == (833, 1867, 2240)
    assert admin_order(tenant, order)["status"] == "partially_refunded"


def test_the_unpaid_timeout_gives_the_coupon_and_points_back(tenant):
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=100)
    give_points(tenant, shopper, 300)
    place_order(shopper, [(sku_id(tea), 2)], coupon_id=coupon_id, points=300)

    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=tenant.id)

    assert (coupon_status(shopper, coupon_id), points_balance(shopper), stock_of(tenant, tea)) == (
        "available", 300, 10)


def test_when_stripe_fails_the_coupon_and_points_are_given_back(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    tenant.settings({"payments": {"stripe_secret_key": "sk_test_unreachable"}})
    tea, _ = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="amount_off", amount_off=100)
    give_points(tenant, shopper, 300)

    failed = place_order(shopper, [(sku_id(tea), 2)], coupon_id=coupon_id, points=300, expect=502)

    assert failed["reason"] == "payment_provider_error"
    assert (coupon_status(shopper, coupon_id), points_balance(shopper), stock_of(tenant, tea)) == (
        "available", 300, 10)
