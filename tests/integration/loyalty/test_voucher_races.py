"""Voucher races on PostgreSQL with real threads, each its own client and database connection: a code is
handed out once and redeemed once, whoever asks at the same moment, by whatever channel."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.vouchers.models import Voucher
from tests.api.loyalty.points import give_points, points_of
from tests.api.loyalty.vouchers import pool_with_codes, signed_callback, voucher
from tests.api.shop.builders import create_product, sku_id

pytestmark = pytest.mark.integration


def race(actions: list) -> list:
    """Run every action at once, one thread each; their results in order."""
    start = threading.Barrier(len(actions))

    def run(action):
        start.wait()
        return action()

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return list(pool.map(run, actions))


def post(app, credential: str, path: str, body: dict | None = None):
    """A POST from a test client of its own (a client is not shared between threads)."""
    client = app.test_client()
    return lambda: client.post(path, json=body or {}, headers={"Authorization": f"Bearer {credential}"})


def test_twenty_cashiers_verifying_one_code_at_once_redeem_it_once(app, tenant):
    pool_with_codes(tenant, ["RACE0001"])
    staff = [tenant.key("staff") for _ in range(4)]

    responses = race([post(app, staff[i % 4].credential, "/v1/admin/vouchers/verify", {"code": "RACE0001"})
                      for i in range(20)])

    assert sorted(r.status_code for r in responses) == [200] + [409] * 19
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"voucher_already_redeemed"}
    winner = next(r.get_json() for r in responses if r.status_code == 200)
    assert voucher(tenant, "RACE0001")["redeemed_at"] == winner["redeemed_at"]


def test_twenty_customers_exchanging_for_the_last_code_at_once_get_it_once(app, tenant):
    pool = pool_with_codes(tenant, ["LASTCODE"], direction="issue")
    reward = tenant.admin.post("/v1/admin/rewards", {"name": "Last one", "points_cost": 50,
                                                     "voucher_pool_id": pool["id"]}, expect=201).get_json()
    shoppers = [tenant.consumer() for _ in range(20)]
    for shopper in shoppers:
        give_points(tenant, shopper, 50)

    responses = race([post(app, s.credential, f"/v1/storefront/rewards/{reward['id']}/exchange") for s in shoppers])

    assert sorted(r.status_code for r in responses) == [201] + [409] * 19
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"reward_sold_out"}
    assert sorted(points_of(s)["balance"] for s in shoppers) == [0] + [50] * 19
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.count()).select_from(Voucher).where(Voucher.customer_id.is_not(None))) == 1


def test_grants_and_exchanges_at_once_never_hand_one_code_to_two_customers(app, tenant):
    pool = pool_with_codes(tenant, [f"MANY{i:04d}" for i in range(30)], direction="issue")
    reward = tenant.admin.post("/v1/admin/rewards", {"name": "Gift", "points_cost": 1,
                                                     "voucher_pool_id": pool["id"]}, expect=201).get_json()
    shoppers = [tenant.consumer() for _ in range(16)]
    for shopper in shoppers:
        give_points(tenant, shopper, 1)
    granted = [tenant.consumer().customer_id for _ in range(12)]
    actions = [post(app, s.credential, f"/v1/storefront/rewards/{reward['id']}/exchange") for s in shoppers]
    actions += [post(app, tenant.admin_key, f"/v1/admin/voucher-pools/{pool['id']}/grants",
                     {"customer_ids": granted[i::4]}) for i in range(4)]

    responses = race(actions)

    assert all(r.status_code == 201 for r in responses), [r.get_json() for r in responses if r.status_code != 201]
    with unit_of_work() as session, tenant_scope(tenant.id):
        holders = session.execute(select(Voucher.code, Voucher.customer_id).where(Voucher.pool_id == pool["id"],
                                                                                 Voucher.status == "issued")).all()
    assert len(holders) == 28 and len({code for code, _ in holders}) == 28
    assert {customer for _, customer in holders} == {s.customer_id for s in shoppers} | set(granted)


def test_a_store_verification_racing_the_platforms_callback_redeems_once_and_records_the_conflict(app, tenant):
    codes = [f"BOTH{i:04d}" for i in range(8)]
    pool = pool_with_codes(tenant, codes, platform="meituan")
    staff = tenant.key("staff")

    def callback(code):
        client = app.test_client()
        body, headers = signed_callback(pool["callback_secret"], code=code)
        return lambda: client.post(f"/v1/webhooks/vouchers/{pool['id']}", data=body, headers=headers)

    for code in codes:
        at_the_till, from_the_platform = race([post(app, staff.credential, "/v1/admin/vouchers/verify",
                                                    {"code": code}), callback(code)])

        after = voucher(tenant, code)
        assert from_the_platform.status_code == 200 and after["status"] == "redeemed"
        if at_the_till.status_code == 200:
            assert (after["redeemed_via"], after["conflict"]) == ("store", True), code
            assert from_the_platform.get_json()["outcome"] == "conflict"
        else:
            assert at_the_till.get_json()["reason"] == "voucher_already_redeemed"
            assert (after["redeemed_via"], after["conflict"]) == ("platform", False), code


def test_two_checkouts_racing_for_one_voucher_place_one_order_and_hold_nothing_else(app, tenant):
    pool_with_codes(tenant, ["ONEORDER"], face_value=500)
    tea = create_product(tenant, skus=[{"price": 2000, "stock": 10}])
    shoppers = [tenant.consumer() for _ in range(6)]
    body = {"lines": [{"sku_id": sku_id(tea), "quantity": 1}], "voucher_code": "ONEORDER"}

    responses = race([post(app, s.credential, "/v1/storefront/orders", body) for s in shoppers])

    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"voucher_locked"}
    winner = next(r.get_json() for r in responses if r.status_code == 201)
    assert (voucher(tenant, "ONEORDER")["status"], voucher(tenant, "ONEORDER")["order_id"]) == ("locked",
                                                                                              winner["id"])
    stock = tenant.admin.get(f"/v1/admin/products/{tea['id']}", expect=200).get_json()["skus"][0]["stock"]
    assert stock == 9


def test_a_cashier_and_a_checkout_racing_for_one_code_use_it_once(app, tenant):
    pool_with_codes(tenant, [f"TILL{i:04d}" for i in range(6)], face_value=500)
    tea = create_product(tenant, skus=[{"price": 2000, "stock": 10}])
    shopper, staff = tenant.consumer(), tenant.key("staff")

    for i in range(6):
        code = f"TILL{i:04d}"
        order_body = {"lines": [{"sku_id": sku_id(tea), "quantity": 1}], "voucher_code": code}
        checkout, till = race([post(app, shopper.credential, "/v1/storefront/orders", order_body),
                               post(app, staff.credential, "/v1/admin/vouchers/verify", {"code": code})])

        assert sorted([checkout.status_code, till.status_code]) in ([200, 409], [201, 409]), code
        assert voucher(tenant, code)["status"] == ("locked" if checkout.status_code == 201 else "redeemed")

