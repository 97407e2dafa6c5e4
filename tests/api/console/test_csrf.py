"""Every form carries a CSRF token; a post without a valid one, or from another origin, is 400 csrf_failed and
changes nothing."""

from __future__ import annotations

import pytest

from tests.api.console.conftest import signed_in
from tests.api.shop.builders import admin_order, create_product, paid_order, sku_id
from tests.support.console import ConsoleBrowser, forms_of


@pytest.fixture
def order(tenant):
    return paid_order(tenant, tenant.consumer(), [(sku_id(create_product(tenant)), 1)])


def refused(response) -> bool:
    return response.status_code == 400 and 'data-reason="csrf_failed"' in response.get_data(as_text=True)


def test_every_form_on_every_page_carries_a_csrf_token(admin_console, tenant, order):
    product = create_product(tenant, title="Pu'er")
    pages = ["/console", "/console/products", "/console/products/new", f"/console/products/{product['id']}",
             "/console/orders", f"/console/orders/{order['id']}", "/console/customers",
             f"/console/customers/{order['customer_id']}", "/console/coupons", "/console/rewards", "/console/settings"]

    for path in pages:
        for form in forms_of(admin_console.get(path).get_data(as_text=True), path):
            if form.method == "post":
                assert form.fields.get("csrf_token"), f"a form on {path} ({form.action}) has no csrf_token"


@pytest.mark.parametrize("token", [None, "", "forged", "other-session"])
def test_a_post_without_a_valid_token_is_refused_and_changes_nothing(app, tenant, admin_console, order, token):
    ship = admin_console.form(f"/console/orders/{order['id']}", "ship")
    fields = {**ship.fields, "carrier": "SF"}
    if token is None:
        fields.pop("csrf_token")
    elif token == "other-session":
        other = signed_in(app, tenant.admin_key)
        fields["csrf_token"] = other.form(f"/console/orders/{order['id']}", "ship").fields["csrf_token"]
    else:
        fields["csrf_token"] = token

    response = admin_console.post(ship.action, fields)

    assert refused(response)
    assert admin_order(tenant, order)["status"] == "paid"


def test_a_post_from_another_origin_is_refused_even_with_the_token(admin_console, tenant, order):
    ship = admin_console.form(f"/console/orders/{order['id']}", "ship")

    foreign = admin_console.post(ship.action, ship.fields, headers={"Origin": "https://evil.example"})
    opaque = admin_console.post(ship.action, ship.fields, headers={"Origin": "null"})
    referred = admin_console.post(ship.action, ship.fields, headers={"Referer": "https://evil.example/page"})

    assert refused(foreign) and refused(opaque) and refused(referred)
    assert admin_order(tenant, order)["status"] == "paid"
    ours = admin_console.post(ship.action, ship.fields, headers={"Origin": "http://localhost"})
    assert ours.status_code == 303 and admin_order(tenant, order)["status"] == "shipped"


def test_sign_in_needs_the_token_of_the_form_this_browser_was_given(app, tenant):
    forger = ConsoleBrowser(app)  # never opened the sign-in page: it has no nonce cookie
    victim_form = ConsoleBrowser(app).form("/console/login", "sign-in")

    response = forger.post("/console/login", {**victim_form.fields, "api_key": tenant.admin_key})

    assert refused(response)
    assert forger.cookie("fission_console") is None


def test_sign_out_without_the_token_does_not_end_the_session(admin_console):
    response = admin_console.post("/console/logout", {})

    assert refused(response)
    assert admin_console.get("/console").status_code == 200


def test_the_language_switch_needs_the_token_too(admin_console):
    response = admin_console.post("/console/language", {"language": "en"})

    assert refused(response)
    assert admin_console.cookie("fission_console_lang") is None
