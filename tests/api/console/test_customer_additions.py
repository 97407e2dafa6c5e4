"""What the customers pages gained: stage and tag filters beside the search, and on a customer its vouchers,
stage, tags, referrals and distributor account."""

from __future__ import annotations

import re

from tests.api.console.conftest import new_key, signed_in
from tests.api.shop.builders import create_product, paid_order, sku_id
from tests.support.http import Caller


def listed_ids(response) -> set[str]:
    return set(re.findall(r'<tr data-id="(cus_\w+)"', response.get_data(as_text=True)))


def test_customers_are_filtered_by_stage_and_tag_beside_the_search(admin_console, tenant):
    buyer, tagged, idle = tenant.consumer(), tenant.consumer(), tenant.consumer()
    paid_order(tenant, buyer, [(sku_id(create_product(tenant)), 1)])
    tag = tenant.admin.post("/v1/admin/tags", {"name": "常客"}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": [tagged.customer_id,
                                                                                buyer.customer_id]}, expect=200)

    new = listed_ids(admin_console.get("/console/customers?stage=new"))
    prospects = listed_ids(admin_console.get("/console/customers?stage=prospect"))
    in_tag = listed_ids(admin_console.get(f"/console/customers?tag={tag['id']}"))
    both = listed_ids(admin_console.get(f"/console/customers?tag={tag['id']}&stage=prospect"))
    searched = listed_ids(admin_console.get(f"/console/customers?q={idle.customer_id}&stage=prospect"))

    assert new == {buyer.customer_id}
    assert {tagged.customer_id, idle.customer_id} <= prospects and buyer.customer_id not in prospects
    assert in_tag == {tagged.customer_id, buyer.customer_id}
    assert both == {tagged.customer_id}
    assert searched == {idle.customer_id}
    page = admin_console.get("/console/customers").get_data(as_text=True)
    assert f'<option value="{tag["id"]}"' in page and '<option value="loyal"' in page


def test_an_unknown_stage_is_refused_at_its_field(admin_console):
    response = admin_console.get("/console/customers?stage=vip")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-reason="invalid_request"' in page and 'data-error-for="stage"' in page


def test_a_customer_shows_its_stage_tags_vouchers_and_referrals(admin_console, tenant):
    inviter = tenant.consumer()
    tenant.settings({"referrals": {"enabled": True, "qualify_on": "first_order_paid", "inviter_points": 20}})
    code = inviter.get("/v1/storefront/me", expect=200).get_json()["invite_code"]
    login = tenant.storefront.post("/v1/storefront/sessions", {"provider": "dev", "openid": "friend-of-inviter",
                                                               "invite_code": code}, expect=201).get_json()
    friend, friend_id = Caller(tenant.client, login["token"]), login["customer"]["id"]
    paid_order(tenant, friend, [(sku_id(create_product(tenant)), 1)])
    tag = tenant.admin.post("/v1/admin/tags", {"name": "VIP"}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": [inviter.customer_id]}, expect=200)
    pool = tenant.admin.post("/v1/admin/voucher-pools", {"name": "Gift", "platform": "offline", "direction": "issue",
                                                         "face_value": 1000}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/codes/generate", {"count": 2}, expect=201)
    tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/grants", {"customer_ids": [inviter.customer_id]},
                      expect=201)
    [voucher] = inviter.get("/v1/storefront/vouchers", expect=200).get_json()["data"]

    page = admin_console.get(f"/console/customers/{inviter.customer_id}").get_data(as_text=True)
    friends_page = admin_console.get(f"/console/customers/{friend_id}").get_data(as_text=True)

    assert 'data-stage="prospect"' in page and f'data-tag="{tag["id"]}"' in page
    vouchers = page.split('data-section="vouchers"')[1].split("</section>")[0]
    assert f'data-id="{voucher["id"]}"' in vouchers and 'data-status="issued"' in vouchers and "¥ 10.00" in vouchers
    referrals = page.split('data-section="referrals"')[1].split("</section>")[0]
    assert friend_id in referrals and 'data-status="qualified"' in referrals
    assert re.search(r'class="num">20<', referrals)
    assert 'data-stage="new"' in friends_page and f'data-referred-by="{inviter.customer_id}"' in friends_page


def test_a_distributors_account_shows_on_its_customer(admin_console, tenant):
    tenant.settings({"distribution": {"enabled": True, "who": "approved"}})
    applicant = tenant.consumer()
    account = applicant.post("/v1/storefront/distributor", {}, expect=201).get_json()

    page = admin_console.get(f"/console/customers/{applicant.customer_id}").get_data(as_text=True)

    assert f'data-distributor="{account["id"]}"' in page and 'data-status="pending"' in page


def test_customers_stay_an_admin_page(app, tenant):
    customer = tenant.consumer().customer_id
    staff = signed_in(app, new_key(tenant, "staff"))

    for path in ("/console/customers?stage=new", f"/console/customers/{customer}"):
        assert staff.get(path).status_code == 403
