"""A voucher at checkout: priced after the coupon and before the points, locked while unpaid, redeemed on
payment, back on cancellation, redeemed still after refunds; every refusal with its reason."""

from datetime import timedelta

from core import clock, jobs
from tests.api.loyalty.vouchers import POOLS, counts, issued_code, pool_with_codes, unique_code, voucher
from tests.api.shop.builders import admin_order, create_product, pay_offline, place_order, sku_id, stock_of
from tests.api.shop.test_checkout_discounts import coupon_for, give_points, points_balance, tea_and_cups

PREVIEW = "/v1/storefront/orders/preview"


def test_a_voucher_is_shared_over_the_lines_after_the_coupon_and_before_the_points(tenant):
    tea, cups = tea_and_cups(tenant)
    shopper = tenant.consumer()
    coupon_id = coupon_for(tenant, shopper, kind="percent_off", percent_off=10)
    give_points(tenant, shopper, 500)
    pool_with_codes(tenant, ["DY-1046-8612"], platform="douyin", face_value=1000)
    body = {"lines": [{"sku_id": sku_id(tea), "quantity": 3}, {"sku_id": sku_id(cups), "quantity": 2}],
            "coupon_id": coupon_id, "points": 500, "voucher_code": "dy 1046 8612"}

    quote = shopper.post(PREVIEW, body, expect=200).get_json()
    order = shopper.post("/v1/storefront/orders", body, expect=201).get_json()

    for priced in (quote, order):
        assert (priced["subtotal"], priced["discount_total"], priced["voucher_deduction"], priced["points_deduction"],
                priced["total"], priced["voucher_code"]) == (3600, 360, 1000, 500, 1740, "DY10468612")
        assert [(line["discount"], line["voucher_deduction"], line["points_deduction"], line["total"])
                for line in priced["lines"]] == [(300, 833, 417, 1450), (60, 167, 83, 290)]
    assert voucher(tenant, "DY10468612")["status"] == "locked"
    assert voucher(tenant, "DY10468612")["order_id"] == order["id"]
    assert points_balance(shopper) == 0


def test_the_voucher_is_redeemed_when_the_order_is_paid_and_stays_redeemed_through_refunds(tenant):
    tea = create_product(tenant, skus=[{"price": 3000, "stock": 5}])
    shopper = tenant.consumer()
    pool = pool_with_codes(tenant, ["PAID0001"], face_value=1000)

    order = place_order(shopper, [(sku_id(tea), 1)], voucher_code="PAID0001")
    paid = pay_offline(tenant, order)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {}, expect=201)

    redeemed = voucher(tenant, "PAID0001")
    assert (paid["voucher_deduction"], paid["total"]) == (1000, 2000)
    assert (redeemed["status"], redeemed["redeemed_via"], redeemed["order_id"]) == ("redeemed", "checkout",
                                                                                   order["id"])
    assert admin_order(tenant, order)["status"] == "refunded"
    assert counts(tenant, pool)["redeemed"] == 1


def test_cancelling_or_timing_out_gives_the_voucher_back_as_it_was(tenant):
    tea = create_product(tenant, skus=[{"price": 3000, "stock": 5}])
    shopper = tenant.consumer()
    pool_with_codes(tenant, ["BACK1111"], face_value=500)
    offline_code = issued_code(tenant, shopper, face_value=800)

    cancelled = place_order(shopper, [(sku_id(tea), 1)], voucher_code="BACK1111")
    shopper.post(f"/v1/storefront/orders/{cancelled['id']}/cancel", expect=200)
    timed_out = place_order(shopper, [(sku_id(tea), 1)], voucher_code=offline_code)
    with clock.travel(timedelta(minutes=31)):
        jobs.run_due()

    assert (voucher(tenant, "BACK1111")["status"], voucher(tenant, "BACK1111")["order_id"]) == ("available", None)
    assert admin_order(tenant, timed_out)["status"] == "cancelled"
    back = voucher(tenant, offline_code)
    assert (back["status"], back["customer_id"]) == ("issued", shopper.customer_id)
    assert stock_of(tenant, tea) == 5


def test_an_order_the_voucher_pays_for_entirely_is_paid_at_once(tenant):
    tea = create_product(tenant, skus=[{"price": 800, "stock": 5}])
    shopper = tenant.consumer()
    pool_with_codes(tenant, ["FREE0001"], face_value=1000)

    order = place_order(shopper, [(sku_id(tea), 1)], voucher_code="FREE0001")

    assert (order["status"], order["total"], order["voucher_deduction"], order["payment"]["status"]) == (
        "paid", 0, 800, "succeeded")
    assert voucher(tenant, "FREE0001")["status"] == "redeemed"


def test_a_customer_uses_an_offline_voucher_she_holds(tenant):
    tea = create_product(tenant, skus=[{"price": 3000, "stock": 5}])
    shopper = tenant.consumer()
    code = issued_code(tenant, shopper, platform="offline", face_value=700)

    order = place_order(shopper, [(sku_id(tea), 1)], voucher_code=code)
    pay_offline(tenant, order)

    assert order["voucher_deduction"] == 700
    assert shopper.get("/v1/storefront/vouchers", query={"status": "redeemed"}, expect=200).get_json()[
        "data"][0]["code"] == code


def test_vouchers_that_cannot_pay_are_refused_with_the_reason_and_nothing_is_held(tenant):
    tea = create_product(tenant, skus=[{"price": 3000, "stock": 5}])
    shopper, neighbour = tenant.consumer(), tenant.consumer()
    pool_with_codes(tenant, ["NOVALUE1"], face_value=None)
    douyin_gift = issued_code(tenant, shopper, platform="douyin")
    neighbours = issued_code(tenant, neighbour, platform="offline")
    pool_with_codes(tenant, ["USED0001", "HELD0001"])
    pay_offline(tenant, place_order(neighbour, [(sku_id(tea), 1)], voucher_code="USED0001"))
    place_order(neighbour, [(sku_id(tea), 1)], voucher_code="HELD0001")
    never_given = pool_with_codes(tenant, ["NOTGIVEN"], direction="issue")
    archived = pool_with_codes(tenant, ["ARCHIVED"])
    tenant.admin.patch(f"{POOLS}/{archived['id']}", {"status": "archived"}, expect=200)

    expected = {"NOVALUE1": (409, "voucher_not_applicable"), douyin_gift: (409, "voucher_not_applicable"),
                neighbours: (404, "voucher_not_found"), "NOSUCH0001": (404, "voucher_not_found"),
                "USED0001": (409, "voucher_already_redeemed"), "HELD0001": (409, "voucher_locked"),
                "NOTGIVEN": (409, "voucher_not_issued"), "ARCHIVED": (409, "voucher_void")}
    for code, (status, reason) in expected.items():
        for path in (PREVIEW, "/v1/storefront/orders"):
            response = shopper.post(path, {"lines": [{"sku_id": sku_id(tea), "quantity": 1}], "voucher_code": code})
            assert (response.status_code, response.get_json()["reason"]) == (status, reason), code

    assert stock_of(tenant, tea) == 3
    assert shopper.get("/v1/storefront/orders", expect=200).get_json()["data"] == []
    assert voucher(tenant, neighbours)["status"] == "issued" and never_given["id"]


def test_points_beyond_max_points_ratio_of_what_the_voucher_leaves_are_refused(tenant):
    tea = create_product(tenant, skus=[{"price": 1000, "stock": 5}])
    shopper = tenant.consumer()
    give_points(tenant, shopper, 1000)
    pool_with_codes(tenant, ["RATIO001"], face_value=400)
    lines = [{"sku_id": sku_id(tea), "quantity": 1}]

    refused = shopper.post("/v1/storefront/orders", {"lines": lines, "voucher_code": "RATIO001", "points": 301},
                           expect=409).get_json()
    accepted = shopper.post("/v1/storefront/orders", {"lines": lines, "voucher_code": "RATIO001", "points": 300},
                            expect=201).get_json()

    assert refused["reason"] == "points_limit_exceeded"
    assert (accepted["voucher_deduction"], accepted["points_deduction"], accepted["total"]) == (400, 300, 300)


def test_guessing_codes_at_checkout_is_limited_per_customer(tenant):
    tenant.settings({"vouchers": {"max_failed_lookups": 2}})
    tea = create_product(tenant, skus=[{"price": 1000, "stock": 5}])
    pool_with_codes(tenant, ["REAL9999"])
    guesser, honest = tenant.consumer(), tenant.consumer()
    lines = [{"sku_id": sku_id(tea), "quantity": 1}]

    for _ in range(2):
        guesser.post(PREVIEW, {"lines": lines, "voucher_code": unique_code()}, expect=404)
    blocked = guesser.post("/v1/storefront/orders", {"lines": lines, "voucher_code": "REAL9999"})

    assert (blocked.status_code, blocked.get_json()["reason"]) == (429, "too_many_attempts")
    assert int(blocked.headers["Retry-After"]) > 0
    assert guesser.post("/v1/storefront/orders", {"lines": lines}, expect=201)
    assert honest.post("/v1/storefront/orders", {"lines": lines, "voucher_code": "REAL9999"}, expect=201)
