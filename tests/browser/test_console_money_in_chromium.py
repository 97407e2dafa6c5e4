"""Finance and group-buys in a real browser: a finance clerk runs a settlement and watches it finish (a real
worker runs it), approves a withdrawal, marks it paid with the bank's reference, and downloads the
reconciliation as a CSV a spreadsheet program in China opens as is; an admin creates a group-buy and ends one."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import clock
from tests.api.distribution.builders import approved_distributor, bound_to, buy, close_after_sales, product
from tests.api.finance.builders import balance, shop_with_distribution, withdraw
from tests.api.groupbuy.builders import campaign, started
from tests.api.shop.builders import create_product, sku_id
from tests.browser.helpers import click, new_key, sign_in

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !(el.tagName === 'BUTTON' && el.innerText.trim()))
    .map(el => el.name || el.outerHTML.slice(0, 80))"""


def test_a_finance_clerk_settles_pays_a_withdrawal_by_hand_and_downloads_the_reconciliation(page, tenant):
    shop_with_distribution(tenant)
    distributor = approved_distributor(tenant)
    _made, sku = product(tenant, 80_000)
    close_after_sales(tenant, buy(tenant, bound_to(tenant, distributor), sku))  # 80.00 due for settlement
    sign_in(page, new_key(tenant, "finance"))
    assert page.locator('[data-nav="finance"]').is_visible()
    page.goto("/console/finance")

    click(page, '[data-action="run-settlement"]')

    assert page.locator('[data-notice="settlement_started"]').is_visible()
    # The page follows the run (reloading itself while [data-progress] shows) until the worker has finished it.
    page.wait_for_selector('[data-section="settlements"] tr[data-status="completed"]', timeout=30_000)
    assert page.locator("[data-progress]").count() == 0
    assert balance(distributor)["available"] == 8000

    withdrawal = withdraw(distributor, 6000)
    page.goto("/console/finance")
    row = f'tr[data-id="{withdrawal["id"]}"]'
    assert page.locator(row).get_attribute("data-status") == "requested"
    click(page, f'{row} [data-action="approve-withdrawal"]')
    assert page.locator(row).get_attribute("data-status") == "approved"
    page.fill(f'{row} [name="reference"]', "ICBC-20261125-0001")
    click(page, f'{row} [data-action="mark-paid"]')

    assert page.locator('[data-notice="withdrawal_paid"]').is_visible()
    assert page.locator(row).get_attribute("data-status") == "paid"
    assert "ICBC-20261125-0001" in page.locator(row).inner_text()
    paid = tenant.admin.get(f"/v1/finance/withdrawals/{withdrawal['id']}", expect=200).get_json()
    assert (paid["status"], paid["reference"]) == ("paid", "ICBC-20261125-0001")

    page.goto("/console/finance/reconciliation")
    assert "¥ 60.00" in page.locator('[data-figure="withdrawals-paid"]').inner_text()
    with page.expect_download() as downloading:
        page.click('[data-action="download-csv"][data-report="reconciliation"]')
    content = downloading.value.path().read_bytes()

    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    [row_read] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert (row_read["withdrawals.paid"], row_read["settlements.amount"], row_read["currency"]) == ("6000", "8000",
                                                                                                      "CNY")


def test_an_admin_creates_a_group_buy_for_a_chosen_product_in_yuan_and_local_time(page, tenant):
    create_product(tenant, title="Black tea", skus=[{"name": "tin", "price": 5000, "stock": 5}])
    oolong = create_product(tenant, title="Oolong", skus=[{"name": "250 g", "price": 8800, "stock": 5},
                                                          {"name": "50 g", "price": 2000, "stock": 5}])
    ends = (clock.now() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    sign_in(page, tenant.admin_key)
    page.goto("/console/group-buys")

    page.select_option("#f-choose-product", oolong["id"])
    click(page, '[data-action="choose-product"]')
    page.fill('[name="prices-1-price"]', "15.80")  # the 50 g tin only
    page.fill('[name="group_size"]', "2")
    page.fill('[name="time_limit_minutes"]', "30")
    page.fill('[name="ends_at"]', ends)
    click(page, '[data-action="save"]')

    assert page.locator('[data-notice="created"]').is_visible()
    campaign_id = page.locator(".page-head[data-id]").get_attribute("data-id")
    created = tenant.admin.get(f"/v1/admin/group-buys/{campaign_id}", expect=200).get_json()
    assert created["product_id"] == oolong["id"] and created["prices"] == [{"sku_id": sku_id(oolong, 1),
                                                                            "price": 1580}]
    local_end = datetime.fromisoformat(created["ends_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert local_end.strftime("%Y-%m-%dT%H:%M") == ends
    assert "¥ 15.80" in page.locator('[data-section="terms"]').inner_text()


def test_an_admin_ends_a_group_buy_and_every_money_page_has_its_labels(page, tenant):
    gb = campaign(tenant)
    _leader, led = started(tenant, gb)
    sign_in(page, tenant.admin_key)

    for path in ("/console/group-buys", f"/console/group-buys/{gb['id']}", "/console/finance",
                 "/console/finance/reconciliation", "/console/finance/trial-balance", f"/console/orders/{led['id']}"):
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path

    page.goto(f"/console/group-buys/{gb['id']}")
    assert page.locator('[data-chart="group-buy-success"]').is_visible()
    assert page.locator(f'tr[data-id="{led["group_buy"]["group_id"]}"]').get_attribute("data-id")
    click(page, '[data-action="end"]')

    assert page.locator('[data-notice="ended"]').is_visible()
    assert page.locator('.page-head [data-status="ended"]').is_visible()
    assert tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}", expect=200).get_json()["status"] == "ended"


def test_a_finance_clerk_may_not_open_group_buys(page, tenant):
    sign_in(page, new_key(tenant, "finance"))

    refused = page.goto("/console/group-buys")

    assert refused.status == 403 and page.locator('[data-reason="forbidden"]').is_visible()
    assert page.locator('[data-card="commissions"] [data-chart="commissions"]').count() == 0  # not on that page
    page.goto("/console")
    assert page.locator('[data-chart="commissions"]').is_visible()
    assert page.locator('[data-card="withdrawals"]').is_visible()
