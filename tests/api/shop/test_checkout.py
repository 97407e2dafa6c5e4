from core.events import OrderPaid
from tests.api.shop.builders import create_product, pay_offline, place_order, sku_id, stock_of
from tests.api.shop.conftest import of_order


def test_checkout_prices_the_order_reserves_stock_and_opens_an_offline_payment(tenant):
    tea = create_product(tenant, skus=[{"name": "250 g", "price": 8800, "stock": 10}])
    cups = create_product(tenant, title="Cups", skus=[{"price": 1250, "stock": 4}])
    shopper = tenant.consumer()

    order = place_order(shopper, [(sku_id(tea), 2), (sku_id(cups), 3)])

    assert order["id"].startswith("ord_")
    assert order["status"] == "pending_payment"
    assert (order["currency"], order["subtotal"], order["discount_total"], order["points_used"],
            order["points_deduction"], order["total"]) == ("CNY", 21350, 0, 0, 0, 21350)
    assert [(line["sku_id"], line["quantity"], line["unit_price"], line["subtotal"], line["discount"],
             line["points_deduction"], line["total"]) for line in order["lines"]] == [
        (sku_id(tea), 2, 8800, 17600, 0, 0, 17600), (sku_id(cups), 3, 1250, 3750, 0, 0, 3750)]
    assert order["payment"] == {"provider": "offline", "intent_id": None, "status": "pending", "failure_message": None,
                                "client_secret": None}
    assert order["expires_at"] > order["created_at"]
    assert (stock_of(tenant, tea), stock_of(tenant, cups)) == (8, 1)


def test_preview_prices_without_holding_anything(tenant):
    tea = create_product(tenant, skus=[{"price": 8800, "stock": 3}])
    shopper = tenant.consumer()

    quote = shopper.post("/v1/storefront/orders/preview", {"lines": [{"sku_id": sku_id(tea), "quantity": 3}]},
                         expect=200).get_json()

    assert (quote["currency"], quote["subtotal"], quote["total"]) == ("CNY", 26400, 26400)
    assert quote["lines"][0]["total"] == 26400
    assert stock_of(tenant, tea) == 3
    assert shopper.get("/v1/storefront/orders", expect=200).get_json()["data"] == []


def test_preview_says_when_there_is_not_enough_stock(tenant):
    tea = create_product(tenant, skus=[{"price": 8800, "stock": 1}])

    refused = tenant.consumer().post("/v1/storefront/orders/preview",
                                     {"lines": [{"sku_id": sku_id(tea), "quantity": 2}]}, expect=409).get_json()

    assert refused["reason"] == "out_of_stock"


def test_an_order_one_line_of_which_is_short_is_refused_and_holds_nothing(tenant):
    plenty = create_product(tenant, skus=[{"price": 100, "stock": 50}])
    scarce = create_product(tenant, skus=[{"price": 100, "stock": 1}])
    shopper = tenant.consumer()

    refused = place_order(shopper, [(sku_id(plenty), 5), (sku_id(scarce), 2)], expect=409)

    assert refused["reason"] == "out_of_stock"
    assert (stock_of(tenant, plenty), stock_of(tenant, scarce)) == (50, 1)
    assert shopper.get("/v1/storefront/orders", expect=200).get_json()["data"] == []


def test_unknown_and_archived_skus_cannot_be_ordered(tenant, other_tenant):
    archived = create_product(tenant)
    tenant.admin.patch(f"/v1/admin/products/{archived['id']}", {"status": "archived"}, expect=200)
    theirs = create_product(other_tenant)
    ours = create_product(tenant)

    refused = place_order(tenant.consumer(), [(sku_id(ours), 1), (sku_id(archived), 1), (sku_id(theirs), 1)],
                          expect=422)

    assert refused["reason"] == "invalid_request"
    assert set(refused["errors"]["json"]["lines"]) == {"1", "2"}
    assert stock_of(tenant, ours) == 10


def test_malformed_orders_are_invalid_requests(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()

    empty = place_order(shopper, [], expect=422)
    twice = place_order(shopper, [(sku_id(tea), 1), (sku_id(tea), 2)], expect=422)
    zero = place_order(shopper, [(sku_id(tea), 0)], expect=422)
    negative_points = place_order(shopper, [(sku_id(tea), 1)], points=-5, expect=422)

    assert {r["reason"] for r in (empty, twice, zero, negative_points)} == {"invalid_request"}
    assert stock_of(tenant, tea) == 10


def test_checkout_with_an_idempotency_key_places_one_order(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()
    body = {"lines": [{"sku_id": sku_id(tea), "quantity": 2}]}

    first = shopper.post("/v1/storefront/orders", body, headers={"Idempotency-Key": "cart-1"}, expect=201)
    again = shopper.post("/v1/storefront/orders", body, headers={"Idempotency-Key": "cart-1"}, expect=201)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert stock_of(tenant, tea) == 8


def test_only_consumers_check_out(tenant):
    tea = create_product(tenant)

    refused = place_order(tenant.storefront, [(sku_id(tea), 1)], expect=403)

    assert refused["reason"] == "forbidden"


def test_a_customer_sees_only_her_own_orders(tenant):
    tea = create_product(tenant)
    alice, bob = tenant.consumer("alice"), tenant.consumer("bob")
    order = place_order(alice, [(sku_id(tea), 1)])

    mine = alice.get("/v1/storefront/orders", expect=200).get_json()
    bobs = bob.get("/v1/storefront/orders", expect=200).get_json()

    assert [o["id"] for o in mine["data"]] == [order["id"]]
    assert bobs["data"] == []
    bob.get(f"/v1/storefront/orders/{order['id']}", expect=404)
    bob.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=404)
    tenant.settings({"payments": {"offline_self_confirm": True}})
    bob.post(f"/v1/storefront/orders/{order['id']}/offline-payment", expect=404)


def test_offline_payment_pays_the_order_once_and_publishes_what_each_line_paid(tenant, published):
    tea = create_product(tenant, skus=[{"price": 8800, "stock": 10}])
    cups = create_product(tenant, skus=[{"price": 1250, "stock": 10}])
    shopper = tenant.consumer()
    order = place_order(shopper, [(sku_id(tea), 1), (sku_id(cups), 2)])

    paid = pay_offline(tenant, order)
    again = tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=409).get_json()

    assert paid["status"] == "paid" and paid["paid_at"]
    assert paid["payment"]["status"] == "succeeded"
    assert again["reason"] == "invalid_state"
    [event] = of_order(published, order["id"], OrderPaid)
    assert (event.tenant_id, event.customer_id, event.currency, event.amount) == (
        tenant.id, shopper.customer_id, "CNY", 11300)
    assert [(line.line_id, line.sku_id, line.quantity, line.amount) for line in event.lines] == [
        (order["lines"][0]["id"], sku_id(tea), 1, 8800), (order["lines"][1]["id"], sku_id(cups), 2, 2500)]
