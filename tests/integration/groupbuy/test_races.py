"""Races for seats and for a group's success on PostgreSQL: real threads, each its own client and connection,
with the jobs they enqueue handed to real RQ worker processes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from core import ledger
from core.db import unit_of_work
from core.events import GroupSucceeded
from core.tenancy import tenant_scope
from shop.distribution.models import Commission
from shop.groupbuy.models import Group, GroupMember
from shop.orders.models import Order
from tests.api.distribution.builders import commissions
from tests.api.groupbuy.builders import campaign, group, joined, started
from tests.api.shop.builders import create_product, sku_id
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def at_once(app, calls: list[tuple[str, str, dict]]) -> list:
    """POST every (credential, path, body) at the same moment, one thread and one test client each."""
    start = threading.Barrier(len(calls))

    def send(call):
        credential, path, body = call
        client = app.test_client()
        start.wait()
        return client.post(path, json=body, headers={"Authorization": f"Bearer {credential}"})

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def seats(tenant_id: str, group_id: str) -> tuple[int, int, int]:
    """The group's live count, its live members, and the orders placed into it, read from the database."""
    with tenant_scope(tenant_id), unit_of_work() as session:
        live = session.scalar(select(Group.live_count).where(Group.id == group_id))
        members = session.scalar(select(func.count()).select_from(GroupMember).where(
            GroupMember.group_id == group_id, GroupMember.status != "left"))
        orders = session.scalar(select(func.count()).select_from(Order).where(Order.group_id == group_id))
    return live, members, orders


def test_thirty_customers_racing_for_the_last_two_seats_get_exactly_two_orders(app, tenant, start_worker):
    start_worker()
    # Three SKUs, so the racers do not queue on one stock row first: the group row's guard decides.
    product = create_product(tenant, skus=[{"name": n, "price": 5000, "stock": 100} for n in ("S", "M", "L")])
    gb = campaign(tenant, product=product, group_size=5, prices=[
        {"sku_id": sku_id(product, i), "price": 3000} for i in range(3)])
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    for _ in range(2):
        joined(tenant, gb, group_id)
    racers = [tenant.consumer() for _ in range(30)]

    answers = at_once(app, [(racer.credential, "/v1/storefront/orders", {
        "lines": [{"sku_id": sku_id(product, i % 3), "quantity": 1}],
        "group_buy": {"campaign_id": gb["id"], "group_id": group_id}}) for i, racer in enumerate(racers)])

    assert sorted(a.status_code for a in answers) == [201] * 2 + [409] * 28
    assert {a.get_json()["reason"] for a in answers if a.status_code == 409} == {"group_full"}
    assert seats(tenant.id, group_id) == (5, 5, 5)
    assert group(racers[0], group_id)["seats_left"] == 0
    stock = tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["skus"]
    assert sum(sku["stock"] for sku in stock) == 300 - 5


def test_one_customer_joining_a_group_from_two_tabs_at_once_takes_one_seat(app, tenant, start_worker):
    start_worker()
    gb = campaign(tenant, group_size=10)
    _leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    shopper = tenant.consumer()
    body = {"lines": [{"sku_id": gb["sku"], "quantity": 1}], "group_buy": {"campaign_id": gb["id"],
                                                                          "group_id": group_id}}

    answers = at_once(app, [(shopper.credential, "/v1/storefront/orders", body)] * 6)

    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    assert {a.get_json()["reason"] for a in answers if a.status_code == 409} == {"already_in_group"}
    assert seats(tenant.id, group_id) == (2, 2, 2)


def test_one_customer_starting_groups_at_once_stays_within_the_per_customer_limit(app, tenant, start_worker):
    start_worker()
    gb = campaign(tenant, per_customer_limit=2)
    shopper = tenant.consumer()
    body = {"lines": [{"sku_id": gb["sku"], "quantity": 1}], "group_buy": {"campaign_id": gb["id"]}}

    answers = at_once(app, [(shopper.credential, "/v1/storefront/orders", body)] * 6)

    assert sorted(a.status_code for a in answers) == [201] * 2 + [409] * 4
    assert {a.get_json()["reason"] for a in answers if a.status_code == 409} == {"group_buy_limit_reached"}


def test_the_last_two_members_paying_at_once_succeed_the_group_once_and_pay_the_leader_once(
        app, tenant, start_worker, published):
    start_worker()
    gb = campaign(tenant, price=1999, group_size=4, leader_commission_rate="0.1")
    groups = []
    for _ in range(5):  # five groups, each with its last two seats paid at the same moment
        _leader, first = started(tenant, gb)
        group_id = first["group_buy"]["group_id"]
        _a, paid = joined(tenant, gb, group_id)
        last_two = [joined(tenant, gb, group_id, paid=False)[1] for _ in range(2)]
        groups.append((group_id, [paid, *last_two]))

    for _group_id, (_paid, *last_two) in groups:
        answers = at_once(app, [(tenant.admin_key, f"/v1/admin/orders/{o['id']}/offline-payment", {})
                                for o in last_two])
        assert [a.status_code for a in answers] == [200, 200]

    succeeded = [e for e in published if isinstance(e, GroupSucceeded)]
    assert sorted(e.group_id for e in succeeded) == sorted(group_id for group_id, _ in groups)
    for group_id, member_orders in groups:
        shown = tenant.admin.get(f"/v1/admin/group-buys/{gb['id']}/groups", query={"status": "succeeded",
                                                                                   "limit": 100}).get_json()
        assert group_id in [g["id"] for g in shown["data"]]
        for order in member_orders:
            [commission] = commissions(tenant, order_id=order["id"])
            assert (commission["kind"], commission["amount"]) == ("group_leader", 199)
    with tenant_scope(tenant.id), unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Commission)) == 15
        assert ledger.totals_by_currency(session) == {"CNY": 0}
    # The orders learn their group's success in a job of their own, run by the worker.
    last = groups[-1][1][-1]
    assert wait_until(lambda: tenant.admin.get(f"/v1/admin/orders/{last['id']}").get_json()["group_buy"][
        "group_status"] == "succeeded", timeout=120)


def test_orders_learn_their_groups_success_at_once_when_no_other_transaction_holds_them(tenant, rq_mode):
    # No worker runs: what the orders show was written in the transaction that moved the group.
    gb = campaign(tenant, group_size=3)
    _leader, first = started(tenant, gb)
    _a, second = joined(tenant, gb, first["group_buy"]["group_id"])

    _b, third = joined(tenant, gb, first["group_buy"]["group_id"])

    for placed in (first, second, third):
        shown = tenant.admin.get(f"/v1/admin/orders/{placed['id']}", expect=200).get_json()
        assert shown["group_buy"]["group_status"] == "succeeded"
    tenant.admin.post(f"/v1/admin/orders/{first['id']}/ship", expect=200)
