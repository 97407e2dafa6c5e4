"""Races on PostgreSQL with real threads: limits hold by guarded updates, unique keys and the account lock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.errors import DomainError
from core.ids import new_id
from core.tenancy import tenant_scope
from loyalty import checkout
from loyalty.coupons.models import Coupon
from loyalty.points.models import PointsEntry, PointsHold, PointsLot
from loyalty.rewards import service as rewards
from loyalty.rewards.models import RewardExchange
from tests.api.loyalty.coupons import TEMPLATES, claim, create_template
from tests.api.loyalty.orders import paid_order, refund
from tests.api.loyalty.points import give_points, points_of
from tests.support.http import Caller

pytestmark = pytest.mark.integration


def race(count: int, action) -> list:
    """Run `action(i)` in `count` threads released at once; each result, or the DomainError it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = action(index)
        except DomainError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def checkout_in_thread(tenant_id, customer_id, *, points=0, coupon_id=None) -> str:
    order_id = new_id("ord")
    with unit_of_work() as session, tenant_scope(tenant_id):
        checkout.hold_for_order(session, customer_id=customer_id, order_id=order_id, coupon_id=coupon_id,
                                points=points)
    return order_id


def http_callers(app, shoppers: list[Caller]) -> list[Caller]:
    """A Flask test client per thread: a client is not shared between threads."""
    return [Caller(app.test_client(), shopper.credential) for shopper in shoppers]


def test_two_orders_cannot_spend_the_same_points(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)

    results = race(6, lambda _: checkout_in_thread(tenant.id, shopper.customer_id, points=30))

    succeeded = [r for r in results if isinstance(r, str)]
    assert len(succeeded) == 3
    assert all(isinstance(r, checkout.InsufficientPoints) for r in results if not isinstance(r, str))
    summary = points_of(shopper)
    assert (summary["balance"], summary["held"]) == (10, 90)
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.sum(PointsEntry.points))) == 10
        assert session.scalar(select(func.sum(PointsLot.remaining))) == 10
        assert set(session.scalars(select(PointsHold.order_id))) == set(succeeded)


def test_the_last_coupons_of_a_template_go_to_as_many_customers_as_there_are_coupons(app, tenant):
    template = create_template(tenant, total_quantity=3)
    shoppers = http_callers(app, [tenant.consumer() for _ in range(10)])

    responses = race(10, lambda i: shoppers[i].post(f"/v1/storefront/coupon-templates/{template['id']}/claim"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 3 + [409] * 7
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"coupon_sold_out"}
    assert tenant.admin.get(f"{TEMPLATES}/{template['id']}", expect=200).get_json()["issued_count"] == 3
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.count(Coupon.id)).where(Coupon.template_id == template["id"])) == 3


def test_one_customers_simultaneous_claims_stop_at_her_limit(app, tenant):
    template = create_template(tenant, per_customer_limit=2)
    shopper = tenant.consumer()
    callers = http_callers(app, [shopper] * 6)

    responses = race(6, lambda i: callers[i].post(f"/v1/storefront/coupon-templates/{template['id']}/claim"))

    assert sorted(r.status_code for r in responses) == [201] * 2 + [409] * 4
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"coupon_limit_reached"}


def test_the_same_coupon_in_two_checkouts_at_once_is_locked_by_one(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])

    results = race(4, lambda _: checkout_in_thread(tenant.id, shopper.customer_id, coupon_id=coupon["id"]))

    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert all(isinstance(r, checkout.CouponNotApplicable) for r in results if not isinstance(r, str))
    with unit_of_work() as session, tenant_scope(tenant.id):
        locked = session.scalars(select(Coupon).where(Coupon.id == coupon["id"])).one()
    assert (locked.status, locked.order_id) == ("locked", winners[0])


def test_one_coupon_and_the_same_points_in_checkouts_at_once_go_to_one_order(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    coupon = claim(shopper, create_template(tenant)["id"])

    results = race(4, lambda _: checkout_in_thread(tenant.id, shopper.customer_id, coupon_id=coupon["id"], points=60))

    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert all(isinstance(r, checkout.CouponNotApplicable) for r in results if not isinstance(r, str))
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (40, 60)
    with unit_of_work() as session, tenant_scope(tenant.id):
        locked = session.scalars(select(Coupon).where(Coupon.id == coupon["id"])).one()
        assert set(session.scalars(select(PointsHold.order_id))) == set(winners)
    assert (locked.status, locked.order_id) == ("locked", winners[0])


def test_checkouts_with_their_own_coupons_and_the_same_points_at_once_hold_what_there_is(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    template = create_template(tenant)
    coupons = [claim(shopper, template["id"]) for _ in range(6)]

    results = race(6, lambda i: checkout_in_thread(tenant.id, shopper.customer_id, coupon_id=coupons[i]["id"],
                                                   points=30))

    succeeded = [r for r in results if isinstance(r, str)]
    assert len(succeeded) == 3
    assert all(isinstance(r, checkout.InsufficientPoints) for r in results if not isinstance(r, str))
    assert (points_of(shopper)["balance"], points_of(shopper)["held"]) == (10, 90)
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.sum(PointsEntry.points))) == 10
        assert sorted(session.scalars(select(Coupon.order_id).where(Coupon.status == "locked"))) == sorted(succeeded)


def test_a_double_tap_on_sign_in_signs_in_once(app, tenant):
    shopper = tenant.consumer()
    callers = http_callers(app, [shopper] * 5)

    responses = race(5, lambda i: callers[i].post("/v1/storefront/points/sign-in"))

    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"already_signed_in"}
    assert points_of(shopper)["balance"] == 1


def test_the_last_unit_of_a_reward_goes_to_one_customer(app, tenant):
    template = create_template(tenant, claimable=False)
    reward = tenant.admin.post("/v1/admin/rewards", {"name": "r", "points_cost": 10, "stock": 1,
                                                     "coupon_template_id": template["id"]}, expect=201).get_json()
    shoppers = [tenant.consumer() for _ in range(5)]
    for shopper in shoppers:
        give_points(tenant, shopper, 10)
    callers = http_callers(app, shoppers)

    responses = race(5, lambda i: callers[i].post(f"/v1/storefront/rewards/{reward['id']}/exchange"))

    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    assert {r.get_json()["reason"] for r in responses if r.status_code == 409} == {"reward_sold_out"}
    assert sorted(points_of(shopper)["balance"] for shopper in shoppers) == [0, 10, 10, 10, 10]


def test_spending_and_a_refund_clawback_at_once_keep_the_ledger_whole(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    earning = paid_order(tenant, shopper, amount=10_000)  # 100 more

    def act(index):
        if index == 0:
            return refund(tenant, earning, amount=10_000)
        return checkout_in_thread(tenant.id, shopper.customer_id, points=60)

    race(4, act)

    with unit_of_work() as session, tenant_scope(tenant.id):
        ledger = session.scalar(select(func.sum(PointsEntry.points)))
        left = session.scalar(select(func.sum(PointsLot.remaining)))
    summary = points_of(shopper)
    assert ledger == left - summary["debt"]
    assert summary["balance"] + summary["held"] - summary["debt"] == 100


@pytest.mark.parametrize("points", [50, 100])  # enough for one exchange, or for two
def test_two_exchanges_with_one_request_key_at_once_spend_once_and_both_return_it(tenant, points):
    # The Idempotency-Key's lock serialises such twins for 60 s; past that (or called as a service) they race.
    template = create_template(tenant, claimable=False)
    reward = tenant.admin.post("/v1/admin/rewards", {"name": "r", "points_cost": 30,
                                                     "coupon_template_id": template["id"]}, expect=201).get_json()
    shopper = tenant.consumer()
    give_points(tenant, shopper, points)
    first_exchanged, first_may_commit = threading.Event(), threading.Event()
    results = {}

    def exchange(name, hold_open):
        try:
            with unit_of_work() as session, tenant_scope(tenant.id):
                results[name] = rewards.exchange(session, reward_id=reward["id"], customer_id=shopper.customer_id,
                                                 request_key="twin-key").id
                if hold_open:
                    first_exchanged.set()
                    first_may_commit.wait(timeout=30)
        except Exception as error:  # the second used to end in a unique-key violation, a 500 over HTTP
            results[name] = error

    first = threading.Thread(target=exchange, args=("first", True))
    second = threading.Thread(target=exchange, args=("second", False))
    first.start()
    assert first_exchanged.wait(timeout=30)
    second.start()
    second.join(timeout=1)  # it waits behind the first's locks
    first_may_commit.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert results["first"] == results["second"], results
    assert points_of(shopper)["balance"] == points - 30
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(select(func.count()).select_from(RewardExchange)) == 1
