"""The same console form submitted twice at once (a double click, two tabs): the version check under the
record's row lock lets exactly one through, on PostgreSQL with real threads."""

from __future__ import annotations

import threading

import pytest

from tests.api.console.conftest import signed_in
from tests.api.shop.builders import create_product, paid_order, sku_id
from tests.support.console import ConsoleBrowser, forms_of

pytestmark = pytest.mark.integration


def submit_at_once(app, browser: ConsoleBrowser, action: str, fields: dict, times: int = 4) -> list[int]:
    """Post the same form from `times` threads released together, each with the browser's cookie."""
    token = browser.cookie("fission_console").value
    barrier, statuses = threading.Barrier(times), []

    def post():
        twin = ConsoleBrowser(app)
        twin.client.set_cookie("fission_console", token, path="/console")
        barrier.wait()
        statuses.append(twin.post(action, fields).status_code)

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def test_a_refund_form_sent_four_times_at_once_refunds_once(app, tenant):
    order = paid_order(tenant, tenant.consumer(), [(sku_id(create_product(tenant)), 1)])
    browser = signed_in(app, tenant.admin_key)
    form = browser.form(f"/console/orders/{order['id']}", "refund")

    statuses = submit_at_once(app, browser, form.action, {**form.fields, "amount": "20.00"})

    assert statuses == [303, 409, 409, 409]
    refunds = tenant.admin.get(f"/v1/admin/orders/{order['id']}/refunds", expect=200).get_json()["data"]
    assert [refund["amount"] for refund in refunds] == [2000]


def test_a_points_adjustment_sent_four_times_at_once_adjusts_once(app, tenant):
    customer = tenant.consumer().customer_id
    browser = signed_in(app, tenant.admin_key)
    form = browser.form(f"/console/customers/{customer}", "adjust-points")

    statuses = submit_at_once(app, browser, form.action, {**form.fields, "points": "25", "reason": "Sorry"})

    assert statuses == [303, 409, 409, 409]
    assert tenant.admin.get(f"/v1/admin/customers/{customer}/points", expect=200).get_json()["balance"] == 25


def test_a_settings_form_sent_three_times_at_once_saves_once(app, tenant):
    browser = signed_in(app, tenant.admin_key)
    form = next(f for f in browser_forms(browser) if f.action.endswith("/orders"))

    statuses = submit_at_once(app, browser, form.action, {**form.fields, "orders-after_sales_days": "9"}, times=3)

    assert statuses == [303, 409, 409]
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["orders"]["after_sales_days"] == 9


def browser_forms(browser):
    return forms_of(browser.get("/console/settings").get_data(as_text=True), "/console/settings")
