"""Orders in the console: filtered lists, the order's lines, discounts, payment and refunds; shipping,
completing, refunding and confirming offline payments through the same services as the API."""

from __future__ import annotations

import re

import pytest

from tests.api.shop.builders import admin_order, create_product, paid_order, place_order, sku_id


@pytest.fixture
def product(tenant):
    return create_product(tenant, skus=[{"name": "250 g", "price": 8800, "stock": 10},
                                        {"name": "50 g", "price": 2000, "stock": 10}])


def test_the_list_filters_by_status(admin_console, tenant, product):
    shopper = tenant.consumer()
    paid = paid_order(tenant, shopper, [(sku_id(product), 1)])
    pending = place_order(shopper, [(sku_id(product), 1)])

    only_paid = admin_console.get("/console/orders?status=paid").get_data(as_text=True)
    everything = admin_console.get("/console/orders").get_data(as_text=True)

    assert f'data-id="{paid["id"]}"' in only_paid and f'data-id="{pending["id"]}"' not in only_paid
    assert f'data-id="{paid["id"]}"' in everything and f'data-id="{pending["id"]}"' in everything


def test_the_order_page_shows_lines_discounts_payment_and_refunds(admin_console, tenant, product):
    shopper = tenant.consumer()
    tenant.admin.post(f"/v1/admin/customers/{shopper.customer_id}/points/adjustments",
                      {"points": 500, "reason": "gift"}, expect=201)
    order = place_order(shopper, [(sku_id(product, 0), 1), (sku_id(product, 1), 2)], points=300)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 500}, expect=201)

    page = admin_console.get(f"/console/orders/{order['id']}").get_data(as_text=True)

    for line in order["lines"]:
        assert f'data-id="{line["id"]}"' in page
    assert 'data-discount="points"' in page and "−¥ 3.00" in page
    assert 'data-payment-status="succeeded"' in page
    assert 'data-section="refunds"' in page and "¥ 5.00" in page
    assert "¥ 125.00" in page  # the total, 88 + 2 x 20 - 3


def test_ship_then_complete(admin_console, tenant, product):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])
    path = f"/console/orders/{order['id']}"

    shipped = admin_console.submit(path, "ship", {"carrier": "顺丰速运", "tracking_number": "SF123"})

    assert shipped.status_code == 303 and "notice=shipped" in shipped.headers["Location"]
    assert (admin_order(tenant, order)["status"], admin_order(tenant, order)["tracking_number"]) == ("shipped", "SF123")
    assert admin_console.submit(path, "complete").status_code == 303
    assert admin_order(tenant, order)["status"] == "completed"


def test_refund_by_amount_in_yuan_and_by_line_quantities(admin_console, tenant, product):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product, 0), 1), (sku_id(product, 1), 2)])
    path = f"/console/orders/{order['id']}"

    by_amount = admin_console.submit(path, "refund", {"amount": "12.50", "reason": "破损"})
    by_lines = admin_console.submit(path, "refund", {"lines-1-quantity": "1"})

    assert by_amount.status_code == by_lines.status_code == 303
    refunds = tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()["data"]
    assert sorted(refund["amount"] for refund in refunds) == sorted([1250, refunds[0]["amount"]])
    line_refund = next(refund for refund in refunds if refund["lines"] and refund["amount"] != 1250)
    assert [(part["line_id"], part["quantity"]) for part in line_refund["lines"]] == [(order["lines"][1]["id"], 1)]
    assert admin_order(tenant, order)["status"] == "partially_refunded"


def test_a_refund_beyond_what_is_left_shows_the_services_refusal_and_changes_nothing(admin_console, tenant, product):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])

    response = admin_console.submit(f"/console/orders/{order['id']}", "refund", {"amount": "88.01"})

    assert response.status_code == 409
    assert 'data-reason="refund_exceeds_paid"' in response.get_data(as_text=True)
    assert 'value="88.01"' in response.get_data(as_text=True)
    assert admin_order(tenant, order)["refunded_total"] == 0


def test_an_empty_refund_form_refunds_nothing(admin_console, tenant, product):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])

    response = admin_console.submit(f"/console/orders/{order['id']}", "refund", {})

    assert response.status_code == 422
    assert re.search(r'data-error-for="amount"', response.get_data(as_text=True))
    assert admin_order(tenant, order)["refunded_total"] == 0


def test_confirming_an_offline_payment_pays_the_order(admin_console, tenant, product):
    order = place_order(tenant.consumer(), [(sku_id(product), 1)])

    response = admin_console.submit(f"/console/orders/{order['id']}", "confirm-offline-payment")

    assert response.status_code == 303
    assert admin_order(tenant, order)["status"] == "paid"
    page = admin_console.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-action="confirm-offline-payment"' not in page and 'data-notice="paid"' in page
