"""Referrals on PostgreSQL with real threads racing and a real RQ worker giving the rewards: a referral is
rewarded once however its qualifying events collide, and the inviter's daily cap holds exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.coupons.models import Coupon
from loyalty.points.models import PointsEntry
from loyalty.referrals.models import Referral, ReferralDailyCount, ReferralReward
from tests.api.loyalty.coupons import create_template
from tests.api.loyalty.referrals import (
    enable_referrals,
    invite,
    order,
    receive,
    referral_coupons,
    referral_entries,
    referrals_of,
    tea,
)
from tests.integration.loyalty.test_concurrency import race
from tests.support.http import Caller
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def rewarded(tenant_id: str, *, count: int) -> list[Referral]:
    """The `count` referrals that qualified, once the worker has given all their rewards (else nothing)."""
    with unit_of_work() as session, tenant_scope(tenant_id):
        done = list(session.scalars(select(Referral).where(Referral.status != "pending")))
        return done if len(done) == count and all(referral.rewarded_at for referral in done) else []


def ledger(tenant_id: str) -> dict:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return {
            "referral_entries": session.scalar(select(func.count()).where(PointsEntry.kind == "referral")),
            "referral_coupons": session.scalar(select(func.count()).where(Coupon.source == "referral")),
            "rewards": session.scalar(select(func.count()).select_from(ReferralReward)),
            "counted_for_cap": session.scalar(select(func.sum(ReferralDailyCount.qualified))),
        }


@pytest.fixture
def referral_program(tenant):
    """Referrals rewarded on the first paid order with points and a coupon each side. Orders earn no points of
    their own, so no points-account lock serializes the payments: the referral's own guards must hold."""
    tenant.settings({"loyalty": {"points_per_currency_unit": 0}})
    thanks = create_template(tenant, name="Thanks", claimable=False)
    welcome = create_template(tenant, name="Welcome", claimable=False)
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100,
                     inviter_coupon_template_id=thanks["id"], invitee_coupon_template_id=welcome["id"])
    return tenant


def staff_in_threads(app, tenant, count: int) -> list[Caller]:
    """A Flask test client per thread: a client is not shared between threads."""
    return [Caller(app.test_client(), tenant.admin_key) for _ in range(count)]


def test_two_orders_paid_at_the_same_moment_reward_the_referral_once(app, referral_program, start_worker):
    tenant = referral_program
    start_worker()
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    orders = [order(bob, sku) for _ in range(2)]
    staff = staff_in_threads(app, tenant, 2)

    responses = race(2, lambda i: staff[i].post(f"/v1/admin/orders/{orders[i]['id']}/offline-payment"))

    assert [r.status_code for r in responses] == [200, 200]
    done = wait_until(lambda: rewarded(tenant.id, count=1))
    assert done, "the worker never rewarded the referral"
    [referral] = done
    assert referral.status == "qualified" and referral.qualifying_order_id in {o["id"] for o in orders}
    assert (referral_entries(alice), referral_entries(bob)) == ([200], [100])
    assert (len(referral_coupons(alice)), len(referral_coupons(bob))) == (1, 1)
    assert ledger(tenant.id) == {"referral_entries": 2, "referral_coupons": 2, "rewards": 4,
                               "counted_for_cap": 1}


def test_two_after_sales_windows_closing_at_the_same_moment_reward_the_referral_once(
        app, referral_program, start_worker):
    tenant = referral_program
    tenant.settings({"orders": {"after_sales_days": 1}, "referrals": {"qualify_on": "first_order_final"}})
    start_worker()
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    orders = [order(bob, sku) for _ in range(2)]
    for placed in orders:
        tenant.admin.post(f"/v1/admin/orders/{placed['id']}/offline-payment", expect=200)
        receive(tenant, placed)

    # The after-sales jobs, due tomorrow, run now in two threads at once: the worker's path, brought forward.
    outcomes = race(2, lambda i: jobs.execute(f"order:{orders[i]['id']}:after-sales"))

    assert outcomes == ["completed", "completed"]
    done = wait_until(lambda: rewarded(tenant.id, count=1))
    assert done, "the worker never rewarded the referral"
    [referral] = done
    assert referral.qualified_on == "first_order_final"
    assert (referral_entries(alice), referral_entries(bob)) == ([200], [100])
    assert ledger(tenant.id) == {"referral_entries": 2, "referral_coupons": 2, "rewards": 4,
                               "counted_for_cap": 1}


def test_the_daily_cap_holds_exactly_when_friends_qualify_at_the_same_moment(app, referral_program, start_worker):
    tenant = referral_program
    tenant.settings({"referrals": {"inviter_daily_cap": 3}})
    start_worker()
    alice = tenant.consumer()
    friends = [invite(tenant, alice) for _ in range(8)]
    sku = tea(tenant)
    orders = [order(friend, sku) for friend in friends]
    staff = staff_in_threads(app, tenant, 8)

    responses = race(8, lambda i: staff[i].post(f"/v1/admin/orders/{orders[i]['id']}/offline-payment"))

    assert [r.status_code for r in responses] == [200] * 8
    done = wait_until(lambda: rewarded(tenant.id, count=8))
    assert sorted(referral.status for referral in done) == ["capped"] * 5 + ["qualified"] * 3
    assert referral_entries(alice) == [200] * 3 and len(referral_coupons(alice)) == 3
    assert all(referral_entries(friend) == [100] and len(referral_coupons(friend)) == 1 for friend in friends)
    assert sorted(r["status"] for r in referrals_of(alice)) == ["capped"] * 5 + ["qualified"] * 3
    assert ledger(tenant.id) == {"referral_entries": 11, "referral_coupons": 11, "rewards": 22,
                               "counted_for_cap": 3}
