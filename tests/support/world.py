"""One of (nearly) everything a tenant can own, built through the API as its users would.

The cross-tenant walk uses it: every id found in tenant A's rows is tried on every route with
tenant B's credentials. Extend `populate` when a capability adds something a tenant owns.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from core import clock
from tests.support.console import ConsoleBrowser
from tests.support.factories import TenantHandle
from tests.support.http import Caller


@dataclass
class World:
    tenant: TenantHandle
    consumer: Caller
    ids: dict[str, str] = field(default_factory=dict)


def populate(tenant: TenantHandle) -> World:
    """Give the tenant keys, customers, settings and whatever its shop and loyalty capabilities hold."""
    consumer = tenant.consumer()
    world = World(tenant, consumer)
    world.ids["customer"] = consumer.customer_id
    world.ids["invite_code"] = consumer.get("/v1/storefront/me", expect=200).get_json()["invite_code"]
    world.ids["api_key"] = tenant.admin.post("/v1/admin/api-keys", {"role": "staff"}, expect=201).get_json()["id"]
    tenant.settings({"orders": {"after_sales_days": 3}})
    for extend in EXTENSIONS:
        extend(world)
    return world


def shop(world: World) -> None:
    """A product, a paid and partly refunded order, and a pending one."""
    admin, consumer = world.tenant.admin, world.consumer
    product = admin.post("/v1/admin/products", {"title": "Oolong", "skus": [{"name": "100g", "price": 3000,
                                                                            "stock": 50}]}, expect=201).get_json()
    world.ids["product"], world.ids["sku"] = product["id"], product["skus"][0]["id"]
    paid = consumer.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 2}]},
                         expect=201).get_json()
    admin.post(f"/v1/admin/orders/{paid['id']}/offline-payment", expect=200)
    world.ids["refund"] = admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {"amount": 100},
                                     expect=201).get_json()["id"]
    world.ids["order"], world.ids["line"] = paid["id"], paid["lines"][0]["id"]
    world.ids["pending_order"] = consumer.post("/v1/storefront/orders", {
        "lines": [{"sku_id": world.ids["sku"], "quantity": 1}]}, expect=201).get_json()["id"]


def loyalty(world: World) -> None:
    """Points (adjusted, signed in), a claimed coupon, and a reward."""
    admin, consumer = world.tenant.admin, world.consumer
    admin.post(f"/v1/admin/customers/{world.ids['customer']}/points/adjustments",
               {"points": 500, "reason": "welcome"}, expect=201)
    consumer.post("/v1/storefront/points/sign-in", expect=201)
    template = admin.post("/v1/admin/coupon-templates", {"name": "5 off", "kind": "amount_off", "amount_off": 500,
                                                         "claimable": True}, expect=201).get_json()
    world.ids["coupon_template"] = template["id"]
    world.ids["coupon"] = consumer.post(f"/v1/storefront/coupon-templates/{template['id']}/claim",
                                        expect=201).get_json()["id"]
    world.ids["reward"] = admin.post("/v1/admin/rewards", {"name": "Coupon for points", "points_cost": 10,
                                                           "coupon_template_id": template["id"]},
                                     expect=201).get_json()["id"]


def referrals(world: World) -> None:
    """A friend the consumer invited, whose first paid order qualified the referral and rewarded both sides."""
    tenant = world.tenant
    tenant.settings({"referrals": {"enabled": True, "qualify_on": "first_order_paid", "inviter_points": 20,
                                   "invitee_points": 10, "invitee_coupon_template_id": world.ids["coupon_template"]}})
    code = world.consumer.get("/v1/storefront/me", expect=200).get_json()["invite_code"]
    login = tenant.storefront.post("/v1/storefront/sessions", {"provider": "dev", "openid": "invited-friend",
                                                               "invite_code": code}, expect=201).get_json()
    friend = Caller(tenant.client, login["token"])
    world.ids["invitee"] = login["customer"]["id"]
    placed = friend.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 1}]},
                         expect=201).get_json()
    tenant.admin.post(f"/v1/admin/orders/{placed['id']}/offline-payment", expect=200)
    [referral] = world.consumer.get("/v1/storefront/referrals", expect=200).get_json()["data"]
    world.ids["referral"] = referral["id"]


def vouchers(world: World) -> None:
    """An issue pool with generated codes, one granted; a Douyin accept pool with a code verified in store and
    one still available; a reward handing out codes; a platform event."""
    admin = world.tenant.admin
    issue = admin.post("/v1/admin/voucher-pools", {"name": "Gift", "platform": "offline", "direction": "issue",
                                                   "face_value": 500}, expect=201).get_json()
    admin.post(f"/v1/admin/voucher-pools/{issue['id']}/codes/generate", {"count": 3}, expect=201)
    admin.post(f"/v1/admin/voucher-pools/{issue['id']}/grants", {"customer_ids": [world.ids["customer"]]},
               expect=201)
    accept = admin.post("/v1/admin/voucher-pools", {"name": "Douyin set meal", "platform": "douyin",
                                                    "direction": "accept", "face_value": 1000},
                        expect=201).get_json()
    redeemed, available = (f"W{uuid.uuid4().hex[:12].upper()}" for _ in range(2))
    admin.post(f"/v1/admin/voucher-pools/{accept['id']}/codes", {"codes": [redeemed, available]}, expect=201)
    world.ids["voucher"] = admin.post("/v1/admin/vouchers/verify", {"code": redeemed}, expect=200).get_json()["id"]
    world.ids["voucher_pool"], world.ids["voucher_code"] = issue["id"], available
    world.ids["voucher_reward"] = admin.post("/v1/admin/rewards", {"name": "Gift for points", "points_cost": 10,
                                                                   "voucher_pool_id": issue["id"]},
                                             expect=201).get_json()["id"]



def distribution(world: World) -> None:
    """A distributor (the world's consumer) with a bound buyer whose paid order earned two commissions at
    two levels, the ledger postings they made, and a settlement run."""
    admin, tenant = world.tenant.admin, world.tenant
    tenant.settings({"distribution": {"enabled": True, "who": "everyone", "levels": 2, "self_purchase": True}})
    world.ids["distributor"] = world.consumer.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]
    world.ids["invite_code"] = world.consumer.get("/v1/storefront/me", expect=200).get_json()["invite_code"]
    buyer = tenant.consumer()
    buyer.post("/v1/storefront/bindings", {"invite_code": world.ids["invite_code"]}, expect=201)
    order = buyer.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 1}]},
                       expect=201).get_json()
    admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
    world.ids["commission"] = admin.get("/v1/finance/commissions", query={"order_id": order["id"]},
                                        expect=200).get_json()["data"][0]["id"]
    world.ids["settlement"] = admin.post("/v1/finance/settlements", expect=202).get_json()["id"]



def segments(world: World) -> None:
    """A manual tag holding the customer, a rule tag, a segment, and a launched coupon campaign."""
    admin = world.tenant.admin
    world.ids["tag"] = admin.post("/v1/admin/tags", {"name": "VIP"}, expect=201).get_json()["id"]
    admin.post(f"/v1/admin/tags/{world.ids['tag']}/customers", {"customer_ids": [world.ids["customer"]]}, expect=200)
    admin.post("/v1/admin/tags", {"name": "Buyers", "rule": {"all": [
        {"field": "paid_orders", "op": "gte", "value": 1}]}}, expect=201)
    world.ids["segment"] = admin.post("/v1/admin/segments", {"name": "VIPs", "rule": {"all": [
        {"field": "tag", "op": "eq", "value": world.ids["tag"]}]}}, expect=201).get_json()["id"]
    campaign = admin.post("/v1/admin/campaigns", {"name": "Thanks", "segment_id": world.ids["segment"], "action": {
        "kind": "grant_coupon", "coupon_template_id": world.ids["coupon_template"]}}, expect=201).get_json()
    admin.post(f"/v1/admin/campaigns/{campaign['id']}/launch", expect=202)
    world.ids["campaign"] = campaign["id"]



def console(world: World) -> None:
    """A console session, signed in through the sign-in form as a browser would (its own cookie jar)."""
    browser = world.tenant.client.application.test_client()
    page = browser.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = browser.post("/console/login", data={"csrf_token": token, "api_key": world.tenant.admin_key})
    assert signed.status_code == 303, signed.get_data(as_text=True)



def groupbuy(world: World) -> None:
    """A group-buy campaign; a group the consumer leads with a paid member (forming, a seat left); a group of
    another leader that succeeded and earned it commissions."""
    admin, tenant = world.tenant.admin, world.tenant
    ends_at = (clock.now() + timedelta(days=30)).isoformat()
    campaign = admin.post("/v1/admin/group-buys", {
        "product_id": world.ids["product"], "prices": [{"sku_id": world.ids["sku"], "price": 2000}],
        "group_size": 3, "time_limit_minutes": 600, "ends_at": ends_at, "leader_commission_rate": "0.1"},
        expect=201).get_json()
    world.ids["group_buy"] = campaign["id"]

    def paid_seat(shopper: Caller, group_id: str | None = None) -> dict:
        group_buy = {"campaign_id": campaign["id"], **({"group_id": group_id} if group_id else {})}
        placed = shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 1}],
                                                        "group_buy": group_buy}, expect=201).get_json()
        return admin.post(f"/v1/admin/orders/{placed['id']}/offline-payment", expect=200).get_json()

    world.ids["group"] = paid_seat(world.consumer)["group_buy"]["group_id"]
    paid_seat(tenant.consumer(), world.ids["group"])
    succeeded = paid_seat(tenant.consumer())["group_buy"]["group_id"]
    for _ in range(2):
        paid_seat(tenant.consumer(), succeeded)



def finance(world: World) -> None:
    """The distributor's commission on a bound buyer's order settled and available; a payout account; one
    withdrawal paid by hand and one waiting for finance."""
    admin, tenant = world.tenant.admin, world.tenant
    tenant.settings({"orders": {"after_sales_days": 0}})
    buyer = tenant.consumer()
    buyer.post("/v1/storefront/bindings", {"invite_code": world.ids["invite_code"]}, expect=201)
    order = buyer.post("/v1/storefront/orders", {"lines": [{"sku_id": world.ids["sku"], "quantity": 2}]},
                       expect=201).get_json()
    admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
    admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)
    admin.post(f"/v1/admin/orders/{order['id']}/complete", expect=200)
    tenant.settings({"orders": {"after_sales_days": 3}})
    admin.post("/v1/finance/settlements", expect=202)
    world.ids["stripe_account"] = f"acct_{uuid.uuid4().hex[:16]}"
    world.consumer.request("PUT", "/v1/storefront/distributor/payout-account",
                           json={"stripe_account_id": world.ids["stripe_account"]}, expect=200)
    paid = world.consumer.post("/v1/storefront/distributor/withdrawals", {"amount": 100}, expect=201).get_json()
    admin.post(f"/v1/finance/withdrawals/{paid['id']}/approve", expect=200)
    admin.post(f"/v1/finance/withdrawals/{paid['id']}/mark-paid", {"reference": "WORLD-1"}, expect=200)
    world.ids["withdrawal"] = world.consumer.post("/v1/storefront/distributor/withdrawals", {"amount": 100},
                                                  expect=201).get_json()["id"]


def voucher_import(world: World) -> None:
    """A file of codes imported into the issue pool through the console (a background import of its own)."""
    browser = ConsoleBrowser(world.tenant.client.application)
    assert browser.sign_in(world.tenant.admin_key).status_code == 303
    path = f"/console/vouchers/{world.ids['voucher_pool']}"
    form = browser.form(path, "import")
    started = browser.client.post(form.action, content_type="multipart/form-data", data={
        **form.fields, "file": (io.BytesIO(f"WI{uuid.uuid4().hex[:12].upper()}\n".encode()), "codes.txt")})
    assert started.status_code == 303, started.get_data(as_text=True)
    world.ids["voucher_import"] = re.search(r'data-import="(vim_\w+)"', browser.get(path).get_data(as_text=True))[1]


EXTENSIONS: list = [shop, loyalty, referrals, vouchers, distribution, finance, groupbuy, segments, console,
                    voucher_import]
