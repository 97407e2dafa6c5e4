"""Checkout and payment talk to the database a known number of times (statements, BEGIN, COMMIT, pings).

A count, not a timing: an extra SELECT, a transaction of its own or a pre-ping creeping back into the hot
path fails here. When a change adds a round trip on purpose, change the number with the reason in the
commit (bench/profile_checkout.py --sql lists them).
"""

import uuid

import pytest

from core.db import database
from tenants.platform import cache
from tests.api.loyalty.referrals import enable_referrals, invite
from tests.api.shop.builders import create_product, sku_id
from tests.support.roundtrips import RoundTrips

# Checkout: the stock taken and priced; order, lines, payment and the unpaid-timeout job together, sent with the
# COMMIT (nothing reads what they return: core.driver.defer_on_driver). Payment: order and payment settled and read
# back with the lines (one statement: shop/payments/offline.py), points earned (accounts locked and the entry with
# its lot in one statement), then the segments' paid order and stage (one statement) with the COMMIT, since no
# handler reads the stage changes. A buyer nobody invited costs the referral funnel nothing once a payment has
# found no referral for it (loyalty/referrals/service/qualifying.py). Each transaction's first statement carries
# its BEGIN (core/driver.py), so neither request spends a round trip on it.
PLAIN = {"checkout": 2, "payment": 3}
# An invitee's orders keep the funnel's two statements: `ordered` at checkout (sent with the COMMIT, as the order's
# insert), its referral read at payment.
INVITED = {"checkout": 2, "payment": 4}
# With a coupon, points and a buyer bound to a distributor: coupon terms and the spendable points (one sum), then
# the order's insert with the coupon locked and the points held (one statement) in one message at checkout; at
# payment the distribution chain with the products' commission overrides (one read), the commissions with their
# ledger posting (one statement, no savepoint: shop/distribution/service/commissions.py), coupon used, the points'
# hold spent and the points earned (one statement).
LOADED = {"checkout": 5, "payment": 6}
# With an Idempotency-Key on both: checkout's claim is a row of the order's statement, and one round trip more
# (the claim's own INSERT, before the order: core.idempotency); the payment's claim and response are one INSERT
# sent with its COMMIT, no round trip more.
KEYED = {"checkout": 3, "payment": 3}


@pytest.fixture
def shop(tenant, monkeypatch):
    # The tenant row is cached for a few seconds; a slow machine must not turn a cache miss into a failure.
    monkeypatch.setattr(cache, "TTL_SECONDS", 3600.0)
    tenant.settings({"auth": {"dev_login_enabled": True}, "payments": {"offline_self_confirm": True}})
    skus = [sku_id(create_product(tenant, title=f"Tea {n}", skus=[{"price": 1000 + n, "stock": 100}]))
            for n in range(2)]
    return tenant, skus


def measure(buyer, body: dict, *, keyed: bool = False) -> dict:
    counter = RoundTrips(database.require_engine())
    headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
    with counter.counting():
        order = buyer.post("/v1/storefront/orders", body, headers=headers, expect=201).get_json()
    checkout = counter.total
    headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
    with counter.counting():
        buyer.post(f"/v1/storefront/orders/{order['id']}/offline-payment", headers=headers, expect=200)
    return {"checkout": checkout, "payment": counter.total}


def lines(skus):
    return {"lines": [{"sku_id": sku, "quantity": 1} for sku in skus]}


def test_a_plain_checkout_and_its_payment_take_a_known_number_of_round_trips(shop):
    tenant, skus = shop
    buyer = tenant.consumer()
    measure(buyer, lines(skus))  # the first warms the process's caches (tenant, statement shapes)

    assert measure(buyer, lines(skus)) == PLAIN


def test_an_invitees_orders_keep_the_referral_funnels_statements(shop):
    tenant, skus = shop
    enable_referrals(tenant)
    buyer = invite(tenant, tenant.consumer())
    measure(buyer, lines(skus))

    assert measure(buyer, lines(skus)) == INVITED


def test_an_idempotent_checkout_and_payment_take_a_known_number_of_round_trips(shop):
    tenant, skus = shop
    buyer = tenant.consumer()
    measure(buyer, lines(skus), keyed=True)

    assert measure(buyer, lines(skus), keyed=True) == KEYED


def test_a_checkout_with_coupon_points_and_a_distributor_takes_a_known_number_of_round_trips(shop):
    tenant, skus = shop
    tenant.settings({"distribution": {"enabled": True, "who": "everyone"}})
    distributor = tenant.consumer()
    invite = distributor.post("/v1/storefront/distributor", {}, expect=201).get_json()["invite_code"]
    buyer = tenant.consumer()
    buyer.post("/v1/storefront/bindings", {"invite_code": invite}, expect=201)
    tenant.admin.post(f"/v1/admin/customers/{buyer.customer_id}/points/adjustments",
                      {"points": 10_000, "reason": "test"}, expect=201)
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "Ten off", "kind": "amount_off",
                                                                "amount_off": 10, "claimable": False},
                                 expect=201).get_json()

    def loaded_order():
        tenant.admin.post(f"/v1/admin/coupon-templates/{template['id']}/grants",
                          {"customer_ids": [buyer.customer_id]}, expect=201)
        coupon = buyer.get("/v1/storefront/coupons", query={"status": "available"}).get_json()["data"][0]
        return {**lines(skus), "coupon_id": coupon["id"], "points": 100}

    measure(buyer, loaded_order())
    counts = measure(buyer, loaded_order())
    commissions = distributor.get("/v1/storefront/distributor/commissions", expect=200).get_json()["data"]

    assert counts == LOADED
    assert len(commissions) == 2 * len(skus)  # one per line per paid order: the payments really recorded them
