"""Pay an order, see the points, spend them with a coupon on a second order, refund part of it (then the
rest): points and coupon state exactly as the rules say. HTTP only, through the shop's real checkout."""

import pytest

from tests.api.loyalty.coupons import claim, coupons_of, create_template
from tests.api.loyalty.points import entries_of, points_of


@pytest.fixture(autouse=True)
def consumers_confirm_their_own_offline_payments(tenant):
    tenant.settings({"payments": {"offline_self_confirm": True}})


def create_product(tenant, title, price):
    body = {"title": title, "skus": [{"name": "one", "price": price, "stock": 10}]}
    return tenant.admin.post("/v1/admin/products", body, expect=201).get_json()["skus"][0]["id"]


def place_and_pay(shopper, lines, **extra):
    body = {"lines": [{"sku_id": sku, "quantity": quantity} for sku, quantity in lines], **extra}
    order = shopper.post("/v1/storefront/orders", body, expect=201).get_json()
    return order, shopper.post(f"/v1/storefront/orders/{order['id']}/offline-payment", expect=200).get_json()


def test_points_and_a_coupon_through_checkout_payment_and_refunds(tenant):
    tenant.settings({"loyalty": {"points_per_currency_unit": 1, "point_value": 1, "max_points_ratio": "0.5"}})
    tea, cups = create_product(tenant, "Tea", 10_000), create_product(tenant, "Cups", 5_000)
    shopper = tenant.consumer()

    # A first order earns floor(200.00 yuan x 1) = 200 points.
    place_and_pay(shopper, [(tea, 2)])
    assert points_of(shopper)["balance"] == 200

    # The second order spends 150 points and a 10-yuan coupon; both are shared by the lines' subtotals.
    coupon = claim(shopper, create_template(tenant, amount_off=1_000, min_spend=5_000)["id"])
    order, _ = place_and_pay(shopper, [(tea, 1), (cups, 1)], coupon_id=coupon["id"], points=150)
    assert (order["subtotal"], order["discount_total"], order["points_used"], order["points_deduction"]) == \
        (15_000, 1_000, 150, 150)
    lines = {line["sku_id"]: line for line in order["lines"]}
    assert [(lines[sku]["discount"], lines[sku]["points_deduction"], lines[sku]["total"]) for sku in (tea, cups)] \
        == [(667, 100, 9_233), (333, 50, 4_617)]
    assert order["total"] == 13_850

    # Paid: the coupon is used, the held points are spent, and the order earns floor(138.50) = 138.
    assert [c["status"] for c in coupons_of(shopper)] == ["used"]
    summary = points_of(shopper)
    assert (summary["balance"], summary["held"]) == (200 - 150 + 138, 0)

    # Refunding the cups gives back their 50 points and takes back 138 x 4617/13850 = 46.003 -> 46 points.
    refund = tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds",
                               {"lines": [{"line_id": lines[cups]["id"], "quantity": 1}]}, expect=201).get_json()
    assert (refund["amount"], refund["status"]) == (4_617, "succeeded")
    assert points_of(shopper)["balance"] == 188 + 50 - 46
    assert entries_of(shopper) == [("earn", 200), ("spend", -150), ("earn", 138), ("return", 50), ("reversal", -46)]

    # Refunding the rest unwinds the second order exactly: all 150 points back, all 138 earned taken back.
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {}, expect=201)
    summary = points_of(shopper)
    assert (summary["balance"], summary["debt"], summary["held"]) == (200, 0, 0)
    assert entries_of(shopper)[-2:] == [("return", 100), ("reversal", -92)]
    assert [c["status"] for c in coupons_of(shopper)] == ["used"]  # a coupon is not given back by a refund

    report = tenant.admin.get("/v1/finance/reports/points", expect=200).get_json()
    assert (report["issued"], report["spent"], report["reversed"], report["outstanding"]) == (338, 0, 138, 200)


def test_cancelling_an_unpaid_order_gives_the_coupon_and_points_back(tenant):
    tea = create_product(tenant, "Tea", 10_000)
    shopper = tenant.consumer()
    place_and_pay(shopper, [(tea, 1)])  # 100 points
    coupon = claim(shopper, create_template(tenant, amount_off=500)["id"])
    body = {"lines": [{"sku_id": tea, "quantity": 1}], "coupon_id": coupon["id"], "points": 80}
    order = shopper.post("/v1/storefront/orders", body, expect=201).get_json()
    assert ([c["status"] for c in coupons_of(shopper)], points_of(shopper)["held"]) == (["locked"], 80)

    shopper.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=200)

    assert [c["status"] for c in coupons_of(shopper)] == ["available"]
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (100, 0)


def test_checkout_refuses_points_the_customer_does_not_have_and_holds_nothing(tenant):
    tea = create_product(tenant, "Tea", 10_000)
    shopper = tenant.consumer()
    place_and_pay(shopper, [(tea, 1)])  # 100 points
    coupon = claim(shopper, create_template(tenant, amount_off=500)["id"])

    refused = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": tea, "quantity": 1}],
                                                     "coupon_id": coupon["id"], "points": 101}, expect=409)

    assert refused.get_json()["reason"] == "insufficient_points"
    assert [c["status"] for c in coupons_of(shopper)] == ["available"]
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (100, 0)
