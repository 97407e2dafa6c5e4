from core.events import OrderRefunded
from tests.api.shop.builders import admin_order, create_product, paid_order, place_order, sku_id, stock_of
from tests.api.shop.conftest import of_order


def refund(tenant, order, body=None, *, expect=201, **kwargs):
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", body or {}, expect=expect, **kwargs).get_json()


def two_line_order(tenant):
    tea = create_product(tenant, skus=[{"price": 1000, "stock": 10}])
    cups = create_product(tenant, skus=[{"price": 300, "stock": 10}])
    order = paid_order(tenant, tenant.consumer(), [(sku_id(tea), 3), (sku_id(cups), 2)])
    return order, tea, cups


def test_refunding_lines_of_an_unshipped_order_returns_their_stock(tenant, published):
    order, tea, cups = two_line_order(tenant)
    tea_line = order["lines"][0]

    refunded = refund(tenant, order, {"lines": [{"line_id": tea_line["id"], "quantity": 2}], "reason": "Broken"})

    assert (refunded["amount"], refunded["status"], refunded["order_id"]) == (2000, "succeeded", order["id"])
    assert refunded["lines"] == [{"line_id": tea_line["id"], "quantity": 2, "amount": 2000}]
    now = admin_order(tenant, order)
    assert (now["status"], now["refunded_total"]) == ("partially_refunded", 2000)
    assert (now["lines"][0]["refunded_quantity"], now["lines"][0]["refunded_amount"]) == (2, 2000)
    assert (stock_of(tenant, tea), stock_of(tenant, cups)) == (9, 8)
    [event] = of_order(published, order["id"], OrderRefunded)
    assert (event.refund_id, event.amount, event.paid_amount, event.refunded_total, event.fully_refunded) == (
        refunded["id"], 2000, 3600, 2000, False)
    assert [(line.line_id, line.quantity, line.amount) for line in event.lines] == [(tea_line["id"], 2, 2000)]


def test_refunding_after_shipping_keeps_the_stock_out(tenant):
    order, tea, _ = two_line_order(tenant)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)

    refund(tenant, order, {"lines": [{"line_id": order["lines"][0]["id"], "quantity": 3}]})

    assert stock_of(tenant, tea) == 7
    assert admin_order(tenant, order)["status"] == "partially_refunded"


def test_a_refund_by_amount_is_shared_over_what_is_left_of_each_line(tenant, published):
    order, tea, _ = two_line_order(tenant)

    refunded = refund(tenant, order, {"amount": 1000})

    assert sorted((line["line_id"], line["quantity"], line["amount"]) for line in refunded["lines"]) == sorted(
        [(order["lines"][0]["id"], 0, 833), (order["lines"][1]["id"], 0, 167)])
    assert stock_of(tenant, tea) == 7
    assert admin_order(tenant, order)["refunded_total"] == 1000


def test_no_body_refunds_all_that_is_left_and_the_order_is_refunded(tenant, published):
    order, tea, cups = two_line_order(tenant)
    refund(tenant, order, {"amount": 500})

    rest = refund(tenant, order)

    assert rest["amount"] == 3100
    now = admin_order(tenant, order)
    assert (now["status"], now["refunded_total"]) == ("refunded", 3600)
    assert (stock_of(tenant, tea), stock_of(tenant, cups)) == (10, 10)
    assert [e.fully_refunded for e in of_order(published, order["id"], OrderRefunded)] == [False, True]


def test_more_than_what_is_left_is_refused_per_order_and_per_line(tenant):
    order, _, _ = two_line_order(tenant)
    refund(tenant, order, {"lines": [{"line_id": order["lines"][1]["id"], "quantity": 1}]})

    too_much = refund(tenant, order, {"amount": 3301}, expect=409)
    too_many = refund(tenant, order, {"lines": [{"line_id": order["lines"][1]["id"], "quantity": 2}]}, expect=409)
    refund(tenant, order)
    nothing_left = refund(tenant, order, expect=409)

    assert {r["reason"] for r in (too_much, too_many, nothing_left)} == {"refund_exceeds_paid"}
    assert admin_order(tenant, order)["refunded_total"] == 3600


def test_refund_requests_that_make_no_sense_are_invalid(tenant):
    order, _, _ = two_line_order(tenant)
    line_id = order["lines"][0]["id"]

    both = refund(tenant, order, {"amount": 1, "lines": [{"line_id": line_id, "quantity": 1}]}, expect=422)
    unknown_line = refund(tenant, order, {"lines": [{"line_id": "line_nope", "quantity": 1}]}, expect=422)
    twice = refund(tenant, order, {"lines": [{"line_id": line_id, "quantity": 1}, {"line_id": line_id, "quantity": 1}]},
                   expect=422)
    zero = refund(tenant, order, {"amount": 0}, expect=422)

    assert {r["reason"] for r in (both, unknown_line, twice, zero)} == {"invalid_request"}
    assert admin_order(tenant, order)["refunded_total"] == 0


def test_an_unpaid_order_cannot_be_refunded(tenant):
    tea = create_product(tenant)
    order = place_order(tenant.consumer(), [(sku_id(tea), 1)])

    refused = refund(tenant, order, expect=409)

    assert refused["reason"] == "invalid_state"


def test_a_refund_with_an_idempotency_key_happens_once(tenant):
    order, _, _ = two_line_order(tenant)

    first = refund(tenant, order, {"amount": 700}, headers={"Idempotency-Key": "refund-1"})
    again = refund(tenant, order, {"amount": 700}, headers={"Idempotency-Key": "refund-1"})

    assert again["id"] == first["id"]
    assert admin_order(tenant, order)["refunded_total"] == 700


def test_the_order_lists_its_refunds_newest_first(tenant):
    order, _, _ = two_line_order(tenant)
    first = refund(tenant, order, {"amount": 100})
    second = refund(tenant, order, {"amount": 200})

    listed = tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()

    assert [r["id"] for r in listed["data"]] == [second["id"], first["id"]]
    assert {r["kind"] for r in listed["data"]} == {"merchant"}
