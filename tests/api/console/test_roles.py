"""The key's role shapes the console exactly as CONSOLE.md says: what the navigation offers, which pages
answer 403, which forms are shown; another tenant's objects are 404."""

from __future__ import annotations

import re

import pytest

from tests.api.console.conftest import new_key, signed_in
from tests.api.shop.builders import create_product, paid_order, sku_id


def nav_of(browser) -> list[str]:
    return re.findall(r'data-nav="([a-z_]+)"', browser.get("/console").get_data(as_text=True))


# CONSOLE.md's roles, in the navigation's order.
NAVIGATION = {
    "admin": ["home", "orders", "products", "customers", "coupons", "rewards", "vouchers", "verify", "group_buys",
              "distributors", "finance", "segments", "campaigns", "settings"],
    "finance": ["home", "orders", "finance", "campaigns"],
    "staff": ["home", "orders", "verify"],
}


@pytest.mark.parametrize("role", ["admin", "finance", "staff"])
def test_the_navigation_offers_what_the_role_may_use(app, tenant, role):
    browser = signed_in(app, tenant.admin_key if role == "admin" else new_key(tenant, role))

    assert nav_of(browser) == NAVIGATION[role]


@pytest.mark.parametrize("role", ["finance", "staff"])
@pytest.mark.parametrize("path", ["/console/products", "/console/products/new", "/console/customers",
                                  "/console/coupons", "/console/rewards", "/console/settings"])
def test_pages_a_role_may_not_use_answer_403(app, tenant, role, path):
    browser = signed_in(app, new_key(tenant, role))

    response = browser.get(path)

    assert response.status_code == 403
    assert 'data-reason="forbidden"' in response.get_data(as_text=True)


def test_each_role_sees_the_home_cards_it_may_read(app, tenant):
    cards = {}
    for role in ("admin", "finance", "staff"):
        browser = signed_in(app, tenant.admin_key if role == "admin" else new_key(tenant, role))
        cards[role] = re.findall(r'data-card="([a-z-]+)"', browser.get("/console").get_data(as_text=True))

    money = ["commissions", "withdrawals"]
    assert cards == {"admin": ["sales", "points", *money, "vouchers"], "finance": ["sales", "points", *money],
                     "staff": ["sales", "vouchers"]}


@pytest.mark.parametrize("role", ["finance", "staff"])
def test_finance_and_staff_read_orders_but_get_no_forms_and_may_not_post(app, tenant, role):
    product = create_product(tenant)
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])
    admin = signed_in(app, tenant.admin_key)
    ship = admin.form(f"/console/orders/{order['id']}", "ship")
    browser = signed_in(app, new_key(tenant, role))

    page = browser.get(f"/console/orders/{order['id']}")
    refused = browser.post(ship.action, {**ship.fields, "csrf_token": _token(browser, "/console/orders")})

    assert page.status_code == 200 and order["id"] in page.get_data(as_text=True)
    assert 'data-action="ship"' not in page.get_data(as_text=True)
    assert 'data-action="refund"' not in page.get_data(as_text=True)
    assert refused.status_code == 403 and 'data-reason="forbidden"' in refused.get_data(as_text=True)
    assert tenant.admin.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()["status"] == "paid"


def _token(browser, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).get_data(as_text=True)).group(1)


def test_another_tenants_objects_are_404_and_stay_unchanged(app, tenant, other_tenant):
    product = create_product(tenant)
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, [(sku_id(product), 1)])
    points_before = tenant.admin.get(f"/v1/admin/customers/{shopper.customer_id}/points", expect=200).get_json()
    intruder = signed_in(app, other_tenant.admin_key)
    token = _token(intruder, "/console/orders")

    for path in (f"/console/orders/{order['id']}", f"/console/products/{product['id']}",
                 f"/console/customers/{shopper.customer_id}"):
        response = intruder.get(path)
        assert response.status_code == 404, path
        assert 'data-reason="not_found"' in response.get_data(as_text=True)
    for path, body in ((f"/console/orders/{order['id']}/ship", {"carrier": "x"}),
                       (f"/console/orders/{order['id']}/refunds", {"amount": "1.00"}),
                       (f"/console/products/{product['id']}/archive", {}),
                       (f"/console/customers/{shopper.customer_id}/points", {"points": "5", "reason": "x"})):
        response = intruder.post(path, {"csrf_token": token, "form_version": "x", **body})
        assert response.status_code == 404, path

    assert tenant.admin.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()["status"] == "paid"
    assert tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["status"] == "active"
    assert tenant.admin.get(f"/v1/admin/customers/{shopper.customer_id}/points",
                            expect=200).get_json() == points_before
    assert tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()["data"] == []
    listed = intruder.get("/console/orders").get_data(as_text=True)
    assert order["id"] not in listed
