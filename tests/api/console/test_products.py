"""Products in the console: created with SKU rows in yuan, seen by the storefront; edited; archived."""

from __future__ import annotations

import re

from tests.api.shop.builders import create_product


def errors_of(response) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="([^"]+)">([^<]*)<', response.get_data(as_text=True)))


def test_a_product_created_in_the_console_is_on_the_storefront_with_its_prices_in_minor_units(admin_console, tenant):
    response = admin_console.submit("/console/products/new", "save", {
        "title": "铁观音", "description": "安溪", "skus-0-name": "100 g", "skus-0-price": "68.50", "skus-0-stock": "20",
        "skus-1-name": "", "skus-1-price": "", "skus-1-stock": "",
        "skus-2-name": "500 g", "skus-2-price": "1,288", "skus-2-stock": "3"})

    assert response.status_code == 303
    product_id = response.headers["Location"].split("/console/products/")[1].split("?")[0]
    shelf = tenant.storefront.get(f"/v1/storefront/products/{product_id}", expect=200).get_json()
    assert shelf["title"] == "铁观音"
    assert [(sku["name"], sku["price"], sku["in_stock"]) for sku in shelf["skus"]] == [
        ("100 g", 6850, True), ("500 g", 128800, True)]
    page = admin_console.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-notice="created"' in page and 'value="68.50"' in page and 'value="1288.00"' in page


def test_invalid_product_fields_are_shown_at_their_fields_and_nothing_is_created(admin_console, tenant):
    response = admin_console.submit("/console/products/new", "save", {
        "title": "", "skus-0-name": "a", "skus-0-price": "12.345", "skus-0-stock": "many",
        "skus-1-name": "b", "skus-1-price": "-3", "skus-1-stock": "-1"})

    assert response.status_code == 422
    assert 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert set(errors_of(response)) == {"title", "skus-0-price", "skus-0-stock", "skus-1-price", "skus-1-stock"}
    assert 'value="many"' in response.get_data(as_text=True)  # what was typed is kept
    assert tenant.admin.get("/v1/admin/products", expect=200).get_json()["data"] == []


def test_a_product_needs_at_least_one_sku(admin_console):
    response = admin_console.submit("/console/products/new", "save", {"title": "Empty"})

    assert response.status_code == 422 and "skus" in errors_of(response)


def test_editing_changes_the_product_its_skus_and_adds_a_row(admin_console, tenant):
    product = create_product(tenant, title="Oolong", skus=[{"name": "50 g", "price": 3000, "stock": 5}])
    path = f"/console/products/{product['id']}"

    response = admin_console.submit(path, "save", {"title": "Oolong reserve", "skus-0-price": "32.00",
                                                   "skus-1-name": "250 g", "skus-1-price": "140", "skus-1-stock": "2"})

    assert response.status_code == 303
    current = tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()
    assert current["title"] == "Oolong reserve"
    assert [(sku["name"], sku["price"], sku["stock"]) for sku in current["skus"]] == [
        ("50 g", 3200, 5), ("250 g", 14000, 2)]


def test_an_existing_sku_cannot_lose_its_price(admin_console, tenant):
    product = create_product(tenant)

    response = admin_console.submit(f"/console/products/{product['id']}", "save", {"skus-0-price": ""})

    assert response.status_code == 422 and "skus-0-price" in errors_of(response)


def test_archiving_takes_a_product_off_the_storefront_and_restoring_puts_it_back(admin_console, tenant):
    product = create_product(tenant)
    path = f"/console/products/{product['id']}"

    archived = admin_console.submit(path, "archive")

    assert archived.status_code == 303
    tenant.storefront.get(f"/v1/storefront/products/{product['id']}", expect=404)
    assert 'data-status="archived"' in admin_console.get(path).get_data(as_text=True)
    assert admin_console.submit(path, "restore").status_code == 303
    tenant.storefront.get(f"/v1/storefront/products/{product['id']}", expect=200)


def test_the_list_shows_each_product_as_a_row_with_its_id(admin_console, tenant):
    product = create_product(tenant, title="Jasmine")

    page = admin_console.get("/console/products").get_data(as_text=True)

    assert f'data-id="{product["id"]}"' in page and "Jasmine" in page and "¥ 88.00" in page
