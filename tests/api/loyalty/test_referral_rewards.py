"""Rewards: points and coupons for both sides, issued through the coupon service within the template's
limits (what a template can no longer give is recorded, never a failed payment), and the inviter's daily
cap per local day of the tenant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import clock, jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from tests.api.loyalty.coupons import TEMPLATES, create_template
from tests.api.loyalty.referrals import (
    buy,
    enable_referrals,
    invite,
    referral_coupons,
    referral_entries,
    referrals_of,
    summary_of,
    tea,
)


def rewards_of(tenant, referral_id: str) -> dict:
    detail = tenant.admin.get(f"/v1/admin/referrals/{referral_id}", expect=200).get_json()
    return {(r["side"], r["kind"]): r for r in detail["rewards"]}


def issued_count(tenant, template: dict) -> int:
    return tenant.admin.get(f"{TEMPLATES}/{template['id']}", expect=200).get_json()["issued_count"]


def test_both_sides_get_their_coupons_through_the_coupon_service(tenant):
    thanks = create_template(tenant, name="Thanks", amount_off=1000, claimable=False)
    welcome = create_template(tenant, name="Welcome", amount_off=500, claimable=False, valid_days=30)
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_coupon_template_id=thanks["id"],
                     invitee_coupon_template_id=welcome["id"])
    alice = tenant.consumer()
    bob = invite(tenant, alice)

    buy(tenant, bob, tea(tenant))

    [alices] = referral_coupons(alice)
    [bobs] = referral_coupons(bob)
    assert (alices["template_id"], alices["status"]) == (thanks["id"], "available")
    assert (bobs["template_id"], bobs["status"]) == (welcome["id"], "available") and bobs["valid_until"]
    assert (issued_count(tenant, thanks), issued_count(tenant, welcome)) == (1, 1)
    [referral] = referrals_of(alice)
    rewards = rewards_of(tenant, referral["id"])
    assert rewards[("inviter", "coupon")]["coupon_id"] == alices["id"]
    assert rewards[("invitee", "coupon")]["status"] == "issued"


def test_a_sold_out_template_is_recorded_and_the_payment_and_points_go_through(tenant):
    welcome = create_template(tenant, name="Welcome", claimable=False, total_quantity=1)
    enable_referrals(tenant, qualify_on="first_order_paid", invitee_points=100,
                     invitee_coupon_template_id=welcome["id"])
    alice = tenant.consumer()
    bob, carol = invite(tenant, alice), invite(tenant, alice)
    sku = tea(tenant)
    buy(tenant, bob, sku)

    paid = buy(tenant, carol, sku)

    assert paid["status"] == "paid"
    assert len(referral_coupons(bob)) == 1 and referral_coupons(carol) == []
    assert referral_entries(carol) == [100]
    carols = next(r for r in referrals_of(alice) if r["invitee_id"] == carol.customer_id)
    assert carols["status"] == "qualified"
    coupon = rewards_of(tenant, carols["id"])[("invitee", "coupon")]
    assert (coupon["status"], coupon["coupon_id"]) == ("sold_out", None)
    assert issued_count(tenant, welcome) == 1


def test_the_templates_per_customer_limit_counts_referral_coupons_too(tenant):
    thanks = create_template(tenant, name="Thanks", claimable=False, per_customer_limit=1)
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_coupon_template_id=thanks["id"])
    alice = tenant.consumer()
    bob, carol = invite(tenant, alice), invite(tenant, alice)
    sku = tea(tenant)

    buy(tenant, bob, sku)
    buy(tenant, carol, sku)

    assert len(referral_coupons(alice)) == 1
    second = next(r for r in referrals_of(alice) if r["invitee_id"] == carol.customer_id)
    assert rewards_of(tenant, second["id"])[("inviter", "coupon")]["status"] == "limit_reached"


def test_a_template_that_no_longer_exists_is_recorded(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", invitee_points=100,
                     invitee_coupon_template_id="cpt_neverexisted000000000000")
    alice = tenant.consumer()
    bob = invite(tenant, alice)

    buy(tenant, bob, tea(tenant))

    [referral] = referrals_of(alice)
    assert rewards_of(tenant, referral["id"])[("invitee", "coupon")]["status"] == "template_missing"
    assert referral_entries(bob) == [100]


def test_past_the_daily_cap_the_invitee_is_still_rewarded_but_not_the_inviter(tenant):
    thanks = create_template(tenant, name="Thanks", claimable=False)
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100,
                     inviter_coupon_template_id=thanks["id"], inviter_daily_cap=2)
    alice = tenant.consumer()
    friends = [invite(tenant, alice) for _ in range(3)]
    sku = tea(tenant)

    for friend in friends:
        buy(tenant, friend, sku)

    by_invitee = {r["invitee_id"]: r for r in referrals_of(alice)}
    assert [by_invitee[f.customer_id]["status"] for f in friends] == ["qualified", "qualified", "capped"]
    assert by_invitee[friends[2].customer_id]["qualified_at"]
    assert referral_entries(alice) == [200, 200] and len(referral_coupons(alice)) == 2
    assert [referral_entries(f) for f in friends] == [[100], [100], [100]]
    assert rewards_of(tenant, by_invitee[friends[2].customer_id]["id"]).keys() == {("invitee", "points")}
    assert summary_of(alice) == {"invited": 3, "qualified": 2, "capped": 1, "points_earned": 400}


def test_the_cap_counts_per_local_day_of_the_tenant(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, inviter_daily_cap=1)
    alice = tenant.consumer()
    bob, carol, dan = (invite(tenant, alice) for _ in range(3))
    sku = tea(tenant)
    shanghai_now = clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    next_midnight = datetime.combine(shanghai_now.date() + timedelta(days=1), datetime.min.time(),
                                     ZoneInfo("Asia/Shanghai"))
    just_before = next_midnight - shanghai_now - timedelta(minutes=1)

    with clock.travel(just_before):
        buy(tenant, bob, sku)
    with clock.travel(just_before + timedelta(minutes=2)):  # 16:01 UTC: the same UTC day, the next local one
        buy(tenant, carol, sku)
        buy(tenant, dan, sku)

    by_invitee = {r["invitee_id"]: r["status"] for r in referrals_of(alice)}
    assert [by_invitee[f.customer_id] for f in (bob, carol, dan)] == ["qualified", "qualified", "capped"]
    assert referral_entries(alice) == [200, 200]


def test_a_cap_of_zero_rewards_invitees_only(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100,
                     inviter_daily_cap=0)
    alice = tenant.consumer()
    bob = invite(tenant, alice)

    buy(tenant, bob, tea(tenant))

    assert [r["status"] for r in referrals_of(alice)] == ["capped"]
    assert (referral_entries(alice), referral_entries(bob)) == ([], [100])


def test_the_rewards_are_those_promised_when_the_referral_qualified_and_a_second_run_gives_nothing(
        tenant, monkeypatch):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    monkeypatch.setattr(jobs.runtime, "mode", "inline")  # no runner here: the reward job waits in the outbox
    buy(tenant, bob, tea(tenant))
    waiting = referral_entries(alice)
    enable_referrals(tenant, inviter_points=999, invitee_points=999)

    jobs.run_due(tenant_id=tenant.id)
    [referral] = referrals_of(alice)
    with unit_of_work() as session, tenant_scope(tenant.id):
        jobs.enqueue(session, "loyalty.referrals.reward", key="reward-again", referral_id=referral["id"])
    jobs.run_due(tenant_id=tenant.id)

    assert waiting == [] and referral["status"] == "qualified"
    assert (referral_entries(alice), referral_entries(bob)) == ([200], [100])
