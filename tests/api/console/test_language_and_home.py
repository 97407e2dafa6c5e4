"""Chinese first, English by Accept-Language or the clerk's pick; money and times in the tenant's currency and
zone; the home page's figures and charts."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.api.console.conftest import signed_in
from tests.api.shop.builders import create_product, paid_order, sku_id
from tests.support.console import ConsoleBrowser
from tests.support.factories import create_tenant


def test_chinese_is_the_default_and_english_follows_the_browser(app, tenant):
    chinese = ConsoleBrowser(app, language="").get("/console/login").get_data(as_text=True)
    english = ConsoleBrowser(app, language="en-US,en;q=0.9").get("/console/login").get_data(as_text=True)
    french = ConsoleBrowser(app, language="fr-FR").get("/console/login").get_data(as_text=True)

    assert '<html lang="zh-CN">' in chinese and "登录" in chinese
    assert '<html lang="en">' in english and "Sign in" in english and "登录" not in english
    assert '<html lang="zh-CN">' in french


def test_the_clerks_pick_wins_over_the_browser_and_holds_across_pages(app, tenant):
    browser = signed_in(app, tenant.admin_key, language="en")

    switched = browser.submit("/console/orders", "set-language", {"language": "zh-CN"})

    assert (switched.status_code, switched.headers["Location"]) == (303, "/console/orders")
    assert "订单" in browser.get("/console/orders").get_data(as_text=True)
    assert "商品" in browser.get("/console").get_data(as_text=True)
    browser.submit("/console", "set-language", {"language": "en"})
    assert "Products" in browser.get("/console").get_data(as_text=True)


def test_the_language_can_be_picked_before_signing_in(app):
    browser = ConsoleBrowser(app, language="zh-CN")

    browser.submit("/console/login", "set-language", {"language": "en"})

    assert "Sign in with your shop" in browser.get("/console/login").get_data(as_text=True)


def test_the_home_page_counts_todays_paid_orders_and_sales_with_its_charts(admin_console, tenant):
    product = create_product(tenant, skus=[{"price": 123450, "stock": 10}])
    shopper = tenant.consumer()
    paid_order(tenant, shopper, [(sku_id(product), 1)])
    paid_order(tenant, shopper, [(sku_id(product), 2)])

    page = admin_console.get("/console").get_data(as_text=True)

    assert re.search(r'data-figure="today-orders"><dt>[^<]*</dt><dd>2<', page)
    assert re.search(r'data-figure="today-sales"><dt>[^<]*</dt><dd>¥ 3,703.50<', page)
    assert 'data-chart="sales-30d"' in page and 'data-chart="points-flow"' in page
    sales_chart = re.search(r'<figure class="chart" data-chart="sales-30d">.*?</figure>', page, re.S).group(0)
    assert len(re.findall(r'<rect class="bar"', sales_chart)) == 30
    assert re.search(r'data-figure="points-liability"><dt>[^<]*</dt><dd>¥ 37.03<', page)  # 3,703 points x 0.01


def test_times_are_shown_in_the_tenants_zone_and_money_in_its_currency(app, client):
    tenant = create_tenant(client, currency="USD", timezone="America/New_York")
    product = create_product(tenant, skus=[{"price": 1999, "stock": 3}])
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])
    browser = signed_in(app, tenant.admin_key)

    page = browser.get(f"/console/orders/{order['id']}").get_data(as_text=True)

    assert "US$ 19.99" in page
    created = datetime.fromisoformat(order["created_at"]).astimezone(ZoneInfo("America/New_York"))
    assert created.strftime("%Y-%m-%d %H:%M") in page
