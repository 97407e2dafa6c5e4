"""Group-buys in the console: campaigns with their success rates, a new campaign from the API's fields (prices
in yuan, times in the shop's zone), one campaign's groups and members, and ending it, through the same
services as /v1/admin/group-buys."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock
from tests.api.console.conftest import new_key, signed_in
from tests.api.groupbuy.builders import campaign, joined, later, run_jobs_after, started
from tests.api.shop.builders import create_product, sku_id


def local_input(delta: timedelta, zone: str = "Asia/Shanghai") -> str:
    """A datetime-local field's value, `delta` from now in the shop's zone."""
    return (clock.now() + delta).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def campaigns_of(tenant) -> list[dict]:
    return tenant.admin.get("/v1/admin/group-buys", expect=200).get_json()["data"]


def test_a_campaign_created_in_the_console_is_the_apis(admin_console, tenant):
    product = create_product(tenant, skus=[{"name": "250 g", "price": 8800, "stock": 10},
                                           {"name": "50 g", "price": 2000, "stock": 10}])
    path = f"/console/group-buys?product_id={product['id']}"

    response = admin_console.submit(path, "save", {
        "prices-0-price": "66.50", "prices-1-price": "", "group_size": "3", "time_limit_minutes": "120",
        "ends_at": local_input(timedelta(days=3)), "per_customer_limit": "2", "virtual_fill_threshold": "0.6",
        "leader_commission_rate": "0.05"})

    assert response.status_code == 303, response.get_data(as_text=True)
    [created] = campaigns_of(tenant)
    assert response.headers["Location"].startswith(f"/console/group-buys/{created['id']}")
    assert created["prices"] == [{"sku_id": sku_id(product, 0), "price": 6650}]  # the blank SKU is not in it
    assert (created["group_size"], created["time_limit_minutes"], created["per_customer_limit"]) == (3, 120, 2)
    assert (created["virtual_fill_threshold"], created["leader_commission_rate"]) == ("0.6", "0.05")
    ends_at = datetime.fromisoformat(created["ends_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert ends_at.strftime("%Y-%m-%dT%H:%M") == local_input(timedelta(days=3))  # typed in the shop's zone
    page = admin_console.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-notice="created"' in page and "¥ 66.50" in page


def test_field_errors_are_the_apis_at_their_fields_and_nothing_is_created(admin_console, tenant):
    product = create_product(tenant)
    path = f"/console/group-buys?product_id={product['id']}"

    response = admin_console.submit(path, "save", {"prices-0-price": "12.345", "group_size": "99",
                                                   "time_limit_minutes": "", "ends_at": ""})
    page = response.get_data(as_text=True)

    assert response.status_code == 422 and 'data-reason="invalid_request"' in page
    for field in ("prices-0-price", "group_size", "time_limit_minutes", "ends_at"):
        assert f'data-error-for="{field}"' in page, field
    assert campaigns_of(tenant) == []


def test_an_end_in_the_past_is_the_services_refusal_at_its_field(admin_console, tenant):
    product = create_product(tenant)

    response = admin_console.submit(f"/console/group-buys?product_id={product['id']}", "save", {
        "prices-0-price": "10", "group_size": "2", "time_limit_minutes": "60",
        "ends_at": local_input(-timedelta(hours=1))})

    assert response.status_code == 422
    assert 'data-error-for="ends_at"' in response.get_data(as_text=True)
    assert campaigns_of(tenant) == []


def test_the_campaign_page_shows_groups_members_and_the_success_rate(admin_console, tenant):
    gb = campaign(tenant, group_size=2, time_limit_minutes=60)
    leader, led = started(tenant, gb)
    joined(tenant, gb, led["group_buy"]["group_id"])  # full: succeeded
    _lonely, alone = started(tenant, gb)
    run_jobs_after(tenant, minutes=61)  # the second group's deadline passes unfilled: failed

    page = admin_console.get(f"/console/group-buys/{gb['id']}").get_data(as_text=True)
    listed = admin_console.get("/console/group-buys").get_data(as_text=True)

    assert re.search(rf'data-id="{led["group_buy"]["group_id"]}"[^>]*>.*?data-status="succeeded"', page, re.S)
    assert re.search(rf'data-id="{alone["group_buy"]["group_id"]}"[^>]*>.*?data-status="failed"', page, re.S)
    assert f'data-member="{leader.customer_id}"' in page and led["id"] in page
    assert 'data-chart="group-buy-success"' in page and 'data-figure="success-rate"' in page
    assert re.search(r'data-figure="success-rate"><dt>[^<]*</dt><dd>50%', page)
    assert f'data-id="{gb["id"]}"' in listed and 'data-rate="50"' in listed
    assert 'data-chart="group-buy-success"' in listed


def test_ending_a_campaign_and_a_second_submission_is_stale(admin_console, tenant):
    gb = campaign(tenant)
    path = f"/console/group-buys/{gb['id']}"
    form = admin_console.form(path, "end")

    ended = admin_console.submit(path, "end", form=form)
    again = admin_console.submit(path, "end", form=form)

    assert ended.status_code == 303 and "notice=ended" in ended.headers["Location"]
    assert tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}", expect=200).get_json()["status"] == "ended"
    assert again.status_code == 409 and 'data-reason="stale_form"' in again.get_data(as_text=True)
    assert 'data-action="end"' not in admin_console.get(path).get_data(as_text=True)


def test_a_form_older_than_an_api_end_is_refused(admin_console, tenant):
    gb = campaign(tenant)
    path = f"/console/group-buys/{gb['id']}"
    form = admin_console.form(path, "end")
    tenant.admin.post(f"/v1/admin/group-buys/{gb['id']}/end", expect=202)

    response = admin_console.submit(path, "end", form=form)

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)


def test_a_campaign_whose_window_closed_since_the_page_was_rendered_is_not_ended_again(admin_console, tenant):
    """The version follows the status, so the form is stale; the ended page offers no end button."""
    gb = campaign(tenant, ends_at=later(hours=1))
    path = f"/console/group-buys/{gb['id']}"
    form = admin_console.form(path, "end")

    with clock.travel(timedelta(hours=2)):
        response = admin_console.submit(path, "end", form=form)
        page = admin_console.get(path).get_data(as_text=True)

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)
    assert 'data-status="ended"' in page and 'data-action="end"' not in page
    assert tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}", expect=200).get_json()["ended_at"] is None


@pytest.mark.parametrize("role", ["finance", "staff"])
def test_only_admins_use_group_buys(app, tenant, role):
    gb = campaign(tenant)
    browser = signed_in(app, new_key(tenant, role))

    for path in ("/console/group-buys", f"/console/group-buys/{gb['id']}"):
        response = browser.get(path)
        assert response.status_code == 403 and 'data-reason="forbidden"' in response.get_data(as_text=True)


def test_another_tenants_campaign_is_not_found(app, tenant, other_tenant):
    gb = campaign(tenant)
    intruder = signed_in(app, other_tenant.admin_key)

    response = intruder.get(f"/console/group-buys/{gb['id']}")

    assert response.status_code == 404 and 'data-reason="not_found"' in response.get_data(as_text=True)


def test_the_order_page_shows_its_group(admin_console, tenant):
    gb = campaign(tenant, group_size=3)
    _leader, led = started(tenant, gb)

    page = admin_console.get(f"/console/orders/{led['id']}").get_data(as_text=True)

    assert 'data-section="group"' in page and f'data-group="{led["group_buy"]["group_id"]}"' in page
    assert 'data-group-status="forming"' in page and f"/console/group-buys/{gb['id']}" in page


@pytest.mark.parametrize(("language", "words"), [
    ("zh-CN", ["拼团活动", "成团率", "新建拼团活动"]), ("en", ["Group-buy campaigns", "Success rate", "New campaign"]),
])
def test_the_group_buy_page_speaks_the_clerks_language(app, tenant, language, words):
    campaign(tenant)
    browser = signed_in(app, tenant.admin_key, language=language)

    page = browser.get("/console/group-buys").get_data(as_text=True)

    assert all(word in page for word in words), language
