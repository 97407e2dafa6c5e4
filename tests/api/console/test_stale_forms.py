"""A form rendered before its record changed — through the console or the API — is refused with 409
stale_form, and the newer change stays; so is the same form submitted twice."""

from __future__ import annotations

from tests.api.console.conftest import signed_in
from tests.api.shop.builders import admin_order, create_product, paid_order, sku_id
from tests.support.console import forms_of


def stale(response) -> bool:
    return response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)


def test_a_product_form_older_than_an_api_edit_is_refused_and_the_api_edit_stays(admin_console, tenant):
    product = create_product(tenant, title="Oolong")
    form = admin_console.form(f"/console/products/{product['id']}", "save")

    tenant.admin.patch(f"/v1/admin/products/{product['id']}", {"title": "Oolong, 2026 harvest"}, expect=200)
    response = admin_console.submit(f"/console/products/{product['id']}", "save", {"title": "Mine"}, form=form)

    assert stale(response)
    assert "Oolong, 2026 harvest" in response.get_data(as_text=True)  # the page shows the change
    assert tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["title"] == \
        "Oolong, 2026 harvest"


def test_a_sale_makes_a_product_form_with_its_stock_stale(admin_console, tenant):
    product = create_product(tenant, skus=[{"name": "100 g", "price": 1000, "stock": 5}])
    form = admin_console.form(f"/console/products/{product['id']}", "save")

    paid_order(tenant, tenant.consumer(), [(sku_id(product), 2)])
    response = admin_console.submit(f"/console/products/{product['id']}", "save", {"skus-0-stock": "5"}, form=form)

    assert stale(response)
    assert tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["skus"][0]["stock"] == 3


def test_one_clerks_save_makes_another_clerks_open_form_stale(app, tenant, admin_console):
    product = create_product(tenant, title="Green tea")
    other_clerk = signed_in(app, tenant.admin_key)
    mine = admin_console.form(f"/console/products/{product['id']}", "save")
    theirs = other_clerk.form(f"/console/products/{product['id']}", "save")

    first = other_clerk.submit("", "save", {"title": "Their title"}, form=theirs)
    second = admin_console.submit("", "save", {"title": "My title"}, form=mine)

    assert first.status_code == 303 and stale(second)
    assert tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["title"] == "Their title"


def test_a_settings_section_changed_through_the_api_refuses_its_older_form_only(admin_console, tenant):
    forms = {form.action.rsplit("/", 1)[1]: form for form in _settings_forms(admin_console)}

    tenant.settings({"orders": {"unpaid_timeout_minutes": 45}})
    refused = admin_console.post(forms["orders"].action,
                                 {**forms["orders"].fields, "orders-unpaid_timeout_minutes": "10"})
    accepted = admin_console.post(forms["loyalty"].action,
                                  {**forms["loyalty"].fields, "loyalty-points_per_currency_unit": "3"})

    assert stale(refused)
    assert accepted.status_code == 303
    current = tenant.admin.get("/v1/admin/settings", expect=200).get_json()
    assert current["orders"]["unpaid_timeout_minutes"] == 45
    assert current["loyalty"]["points_per_currency_unit"] == 3


def _settings_forms(browser):
    return [form for form in forms_of(browser.get("/console/settings").get_data(as_text=True), "/console/settings")
            if "save" in form.actions]


def test_a_refund_form_submitted_twice_refunds_once(admin_console, tenant):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(create_product(tenant)), 1)])
    form = admin_console.form(f"/console/orders/{order['id']}", "refund")

    first = admin_console.submit("", "refund", {"amount": "10.00"}, form=form)
    again = admin_console.submit("", "refund", {"amount": "10.00"}, form=form)

    assert first.status_code == 303 and stale(again)
    refunds = tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()["data"]
    assert [refund["amount"] for refund in refunds] == [1000]


def test_an_order_shipped_through_the_api_refuses_the_consoles_older_ship_form(admin_console, tenant):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(create_product(tenant)), 1)])
    form = admin_console.form(f"/console/orders/{order['id']}", "ship")

    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", {"carrier": "EMS", "tracking_number": "E1"}, expect=200)
    response = admin_console.submit("", "ship", {"carrier": "SF", "tracking_number": "S1"}, form=form)

    assert stale(response)
    assert admin_order(tenant, order)["carrier"] == "EMS"


def test_a_points_adjustment_submitted_twice_adjusts_once(admin_console, tenant):
    customer = tenant.consumer().customer_id
    form = admin_console.form(f"/console/customers/{customer}", "adjust-points")

    first = admin_console.submit("", "adjust-points", {"points": "50", "reason": "Goodwill"}, form=form)
    again = admin_console.submit("", "adjust-points", {"points": "50", "reason": "Goodwill"}, form=form)

    assert first.status_code == 303 and stale(again)
    assert tenant.admin.get(f"/v1/admin/customers/{customer}/points", expect=200).get_json()["balance"] == 50
