"""The console in a real browser: Chromium, headless, against gunicorn on PostgreSQL with an RQ worker."""

from __future__ import annotations

import threading

import requests

from tests.api.console.test_roles import NAVIGATION
from tests.api.shop.builders import admin_order, create_product, paid_order, place_order, sku_id
from tests.browser.helpers import click, new_key, sign_in, wait_for_focus


def nav_of(page) -> list[str]:
    return page.eval_on_selector_all("[data-nav]", "links => links.map(a => a.dataset.nav)")


def test_signing_in_with_each_role_shapes_the_navigation_and_refuses_other_pages(page, tenant, app):
    refused = sign_in(page, "sk_not-a-key")
    assert refused.status == 401 and page.locator('[data-reason="unauthenticated"]').is_visible()

    assert sign_in(page, tenant.admin_key).status == 200
    assert page.url.endswith("/console")
    assert nav_of(page) == NAVIGATION["admin"]
    assert page.locator('[data-chart="sales-30d"]').is_visible() and page.locator('[data-chart="points-flow"]').count()
    click(page, '[data-action="sign-out"]')
    assert "/console/login" in page.url

    for role in ("finance", "staff"):
        page.context.clear_cookies()
        sign_in(page, new_key(tenant, role))
        assert nav_of(page) == NAVIGATION[role], role
        forbidden = page.goto("/console/products")
        assert forbidden.status == 403 and page.locator('[data-reason="forbidden"]').is_visible()
        assert page.goto("/console/orders").status == 200


def test_a_signed_out_link_signs_in_and_comes_back(page, tenant):
    page.goto("/console/orders?status=paid")

    assert "/console/login?next=" in page.url
    sign_in(page, tenant.admin_key, path=page.url)
    assert page.url.endswith("/console/orders?status=paid")


def test_a_product_created_in_the_console_is_sold_on_the_storefront(page, tenant, site):
    sign_in(page, tenant.admin_key)
    page.goto("/console/products/new")

    page.fill('[name="title"]', "大红袍")
    page.fill('[name="skus-0-name"]', "50 克")
    page.fill('[name="skus-0-price"]', "68.00")
    page.fill('[name="skus-0-stock"]', "12")
    click(page, '[data-action="save"]')

    assert page.locator('[data-notice="created"]').is_visible()
    product_id = page.locator(".page-head[data-id]").get_attribute("data-id")
    shelf = requests.get(f"{site}/v1/storefront/products/{product_id}", timeout=10,
                         headers={"Authorization": f"Bearer {tenant.publishable_key}"})
    assert shelf.status_code == 200
    assert [(sku["name"], sku["price"]) for sku in shelf.json()["skus"]] == [("50 克", 6800)]


def test_ship_then_refund_an_order(page, tenant):
    product = create_product(tenant, skus=[{"name": "250 g", "price": 8800, "stock": 5}])
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 2)])
    sign_in(page, tenant.admin_key)
    page.goto(f"/console/orders/{order['id']}")

    page.fill('[name="carrier"]', "顺丰速运")
    page.fill('[name="tracking_number"]', "SF1234567")
    click(page, '[data-action="ship"]')
    assert page.locator('.page-head [data-status="shipped"]').is_visible()

    page.fill('[name="amount"]', "30.00")
    page.fill('[name="reason"]', "少发一件")
    click(page, '[data-action="refund"]')

    assert page.locator('[data-notice="refunded"]').is_visible()
    assert page.locator('[data-section="refunds"] tbody tr').count() == 1
    assert "¥ 30.00" in page.locator('[data-section="refunds"]').inner_text()
    assert admin_order(tenant, order)["refunded_total"] == 3000


def test_confirming_an_offline_payment(page, tenant):
    order = place_order(tenant.consumer(), [(sku_id(create_product(tenant)), 1)])
    sign_in(page, tenant.admin_key)
    page.goto(f"/console/orders/{order['id']}")

    click(page, '[data-action="confirm-offline-payment"]')

    assert page.locator('.page-head [data-status="paid"]').is_visible()
    assert admin_order(tenant, order)["status"] == "paid"


def test_settings_errors_are_shown_at_their_fields(page, tenant):
    sign_in(page, tenant.admin_key)
    page.goto("/console/settings")
    section = page.locator('[data-section="orders"]')

    section.locator('[name="orders-unpaid_timeout_minutes"]').fill("0")
    response = click(page, '[data-section="orders"] [data-action="save"]')

    assert response.status == 422
    error = page.locator('[data-error-for="orders-unpaid_timeout_minutes"]')
    assert error.is_visible() and "1" in error.inner_text()
    assert page.locator('[name="orders-unpaid_timeout_minutes"]').get_attribute("aria-invalid") == "true"
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["orders"]["unpaid_timeout_minutes"] == 30


def test_a_forged_csrf_token_is_refused_and_changes_nothing(page, tenant):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(create_product(tenant)), 1)])
    sign_in(page, tenant.admin_key)
    page.goto(f"/console/orders/{order['id']}")

    page.eval_on_selector_all('[name="csrf_token"]', "inputs => inputs.forEach(i => i.value = 'forged')")
    response = click(page, '[data-action="ship"]')

    assert response.status == 400 and page.locator('[data-reason="csrf_failed"]').is_visible()
    assert admin_order(tenant, order)["status"] == "paid"


def test_a_form_older_than_an_api_change_is_refused_and_the_change_stays(page, tenant):
    product = create_product(tenant, title="Oolong")
    sign_in(page, tenant.admin_key)
    page.goto(f"/console/products/{product['id']}")

    tenant.admin.patch(f"/v1/admin/products/{product['id']}", {"title": "Oolong (API)"}, expect=200)
    page.fill('[name="title"]', "Oolong (console)")
    response = click(page, '[data-action="save"]')

    assert response.status == 409 and page.locator('[data-reason="stale_form"]').is_visible()
    assert page.locator('[name="title"]').input_value() == "Oolong (API)"
    assert tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["title"] == "Oolong (API)"


def test_the_language_switch(page, tenant):
    sign_in(page, tenant.admin_key)
    assert page.locator('[data-nav="orders"]').inner_text() == "订单"

    click(page, '[data-action="set-language"][value="en"]')
    assert page.locator('[data-nav="orders"]').inner_text() == "Orders"
    assert page.locator("html").get_attribute("lang") == "en"

    click(page, '[data-action="set-language"][value="zh-CN"]')
    assert page.locator('[data-nav="orders"]').inner_text() == "订单"


def test_signing_in_works_from_the_keyboard_and_focus_is_visible(page, tenant):
    page.goto("/console/login")

    wait_for_focus(page, "api_key")  # focused on load
    page.keyboard.type(tenant.admin_key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/console")

    page.keyboard.press("Tab")  # the skip link, then the page's controls
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_every_control_has_a_label(page, tenant):
    product = create_product(tenant)
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])
    sign_in(page, tenant.admin_key)
    unlabelled = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !(el.tagName === 'BUTTON' && el.innerText.trim()))
        .map(el => el.name || el.outerHTML.slice(0, 80))"""

    for path in ("/console", "/console/products/new", f"/console/products/{product['id']}",
                 f"/console/orders/{order['id']}", f"/console/customers/{order['customer_id']}", "/console/coupons",
                 "/console/rewards", "/console/settings", "/console/customers", "/console/vouchers", "/console/verify",
                 "/console/distributors"):
        page.goto(path)
        assert page.evaluate(unlabelled) == [], path


def test_the_screenshots_command_writes_every_page_at_both_widths(app, tmp_path):
    saved_instance = app.instance_path
    (tmp_path / "instance").mkdir()
    app.instance_path = str(tmp_path / "instance")  # the demo's keys file goes here, not into the work tree
    results = []
    # A thread of its own: Playwright's sync API refuses to start where the session's browser already runs.
    command = threading.Thread(target=lambda: results.append(
        app.test_cli_runner().invoke(args=["console", "screenshots", str(tmp_path / "shots")])))
    try:
        command.start()
        command.join(timeout=300)
    finally:
        app.instance_path = saved_instance
    [result] = results

    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (tmp_path / "shots").glob("*.png"))
    for name in ("home", "orders", "order", "products", "product", "product-new", "customers", "customer",
                 "coupons", "rewards", "settings", "login", "vouchers", "voucher-pool", "verify", "distributors",
                 "group_buys", "finance", "reconciliation", "trial-balance", "segments", "segment-new", "segment",
                 "campaigns", "campaign"):
        assert {f"{name}-1440.png", f"{name}-820.png"} <= set(written), name
    assert all((tmp_path / "shots" / name).stat().st_size > 10_000 for name in written)
