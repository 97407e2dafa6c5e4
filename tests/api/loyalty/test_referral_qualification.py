"""Qualification: the invitee's first real order (paid, or final when its after-sales window closes) makes
the referral `qualified` and rewards both sides exactly once; abuse guards keep fresh accounts from
farming it. Orders go through the real shop: checkout, staff confirming the offline payment, shipping,
completion and the after-sales job."""

from __future__ import annotations

from datetime import timedelta

from core import clock, jobs
from tests.api.loyalty.points import give_points, points_of
from tests.api.loyalty.referrals import (
    buy,
    enable_referrals,
    invite,
    order,
    receive,
    referral_entries,
    referrals_of,
    tea,
)
from tests.api.shop.builders import admin_order, pay_offline


def status_of(inviter) -> list[str]:
    return [referral["status"] for referral in referrals_of(inviter)]


def admin_referral(tenant, inviter) -> dict:
    [referral] = referrals_of(inviter)
    return tenant.admin.get(f"/v1/admin/referrals/{referral['id']}", expect=200).get_json()


def close_windows(tenant, *, days: int) -> None:
    with clock.travel(timedelta(days=days, minutes=1)):
        jobs.run_due(tenant_id=tenant.id)


def test_on_first_order_paid_both_sides_are_rewarded_when_the_friend_pays(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    placed = order(bob, tea(tenant))

    before = status_of(alice)
    pay_offline(tenant, placed)

    assert before == ["pending"]
    [referral] = referrals_of(alice)
    assert referral["status"] == "qualified" and referral["qualified_at"]
    assert referral_entries(alice) == [200]
    assert referral_entries(bob) == [100]
    detail = admin_referral(tenant, alice)
    assert (detail["qualified_on"], detail["qualifying_order_id"]) == ("first_order_paid", placed["id"])
    assert detail["rewarded_at"]


def test_a_second_order_rewards_nobody_again(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    buy(tenant, bob, sku)

    buy(tenant, bob, sku)
    buy(tenant, bob, sku)

    assert referral_entries(alice) == [200]
    assert referral_entries(bob) == [100]


def test_by_default_the_referral_waits_for_the_first_order_to_be_final(tenant):
    tenant.settings({"orders": {"after_sales_days": 7}})
    enable_referrals(tenant, inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    placed = buy(tenant, bob, tea(tenant))
    receive(tenant, placed)

    while_open = status_of(alice), referral_entries(alice)
    close_windows(tenant, days=7)

    assert while_open == (["pending"], [])
    assert status_of(alice) == ["qualified"]
    assert (referral_entries(alice), referral_entries(bob)) == ([200], [100])
    detail = admin_referral(tenant, alice)
    assert (detail["qualified_on"], detail["qualifying_order_id"]) == ("first_order_final", placed["id"])


def test_an_order_refunded_in_full_qualifies_nobody_and_the_next_kept_one_does(tenant):
    tenant.settings({"orders": {"after_sales_days": 7}})
    enable_referrals(tenant, inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    returned = buy(tenant, bob, sku)
    receive(tenant, returned)
    tenant.admin.post(f"/v1/admin/orders/{returned['id']}/refunds", expect=201)

    close_windows(tenant, days=7)
    after_the_refund = status_of(alice)
    kept = buy(tenant, bob, sku)
    receive(tenant, kept)
    close_windows(tenant, days=14)

    assert after_the_refund == ["pending"]
    assert admin_referral(tenant, alice)["qualifying_order_id"] == kept["id"]
    assert (referral_entries(alice), referral_entries(bob)) == ([200], [100])


def test_what_counts_at_the_end_of_the_window_is_what_was_kept(tenant):
    tenant.settings({"orders": {"after_sales_days": 7}, "loyalty": {"earn_min_order_amount": 3000}})
    enable_referrals(tenant, inviter_points=200)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    placed = buy(tenant, bob, tea(tenant, price=5000))
    receive(tenant, placed)
    tenant.admin.post(f"/v1/admin/orders/{placed['id']}/refunds", {"amount": 2500}, expect=201)

    close_windows(tenant, days=7)

    assert status_of(alice) == ["pending"]


def test_an_order_below_the_earning_minimum_does_not_qualify_and_a_later_one_above_it_does(tenant):
    tenant.settings({"loyalty": {"earn_min_order_amount": 6000}})
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant, price=5000)

    buy(tenant, bob, sku)
    small = status_of(alice)
    big = buy(tenant, bob, sku, quantity=2)

    assert small == ["pending"]
    assert status_of(alice) == ["qualified"]
    assert admin_referral(tenant, alice)["qualifying_order_id"] == big["id"]


def test_an_order_paid_wholly_with_points_proves_nothing(tenant):
    tenant.settings({"loyalty": {"max_points_ratio": "1"}})
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    give_points(tenant, bob, 5000)

    free = order(bob, tea(tenant, price=5000), points=5000)  # nothing to pay: paid at checkout

    assert (free["total"], free["status"]) == (0, "paid")
    assert status_of(alice) == ["pending"] and referral_entries(alice) == []


def test_dev_login_customers_never_qualify_where_dev_login_is_off(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    tenant.settings({"auth": {"dev_login_enabled": False}})

    buy(tenant, bob, sku)
    while_off = status_of(alice)
    tenant.enable_dev_login()
    buy(tenant, bob, sku)

    assert while_off == ["pending"]
    assert status_of(alice) == ["qualified"]


def test_nothing_qualifies_while_referrals_are_switched_off(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200)
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)
    tenant.settings({"referrals": {"enabled": False}})

    buy(tenant, bob, sku)
    while_off = status_of(alice), referral_entries(alice)
    enable_referrals(tenant)
    buy(tenant, bob, sku)

    assert while_off == (["pending"], [])
    assert status_of(alice) == ["qualified"] and referral_entries(alice) == [200]


def test_a_referral_qualifies_only_by_the_rule_the_tenant_chose(tenant):
    tenant.settings({"orders": {"after_sales_days": 0}})
    enable_referrals(tenant, inviter_points=200)  # first_order_final
    alice = tenant.consumer()
    bob = invite(tenant, alice)
    sku = tea(tenant)

    placed = buy(tenant, bob, sku)
    when_paid = status_of(alice)
    tenant.settings({"referrals": {"qualify_on": "first_order_paid"}})
    receive(tenant, placed)  # the window closes at once, but finality is no longer the rule
    when_final = status_of(alice)
    again = buy(tenant, bob, sku)

    assert (when_paid, when_final) == (["pending"], ["pending"])
    assert admin_order(tenant, placed)["after_sales_closed_at"]
    detail = admin_referral(tenant, alice)
    assert (detail["status"], detail["qualified_on"], detail["qualifying_order_id"]) == (
        "qualified", "first_order_paid", again["id"])


def test_referral_points_follow_the_tenants_pending_and_expiry_rules(tenant):
    tenant.settings({"loyalty": {"points_per_currency_unit": 0, "points_pending_days": 3,
                                 "points_expiry": {"mode": "days", "days": 30}}})
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)

    buy(tenant, bob, tea(tenant))

    assert (points_of(bob)["balance"], points_of(bob)["pending"]) == (0, 100)
    assert (points_of(alice)["balance"], points_of(alice)["pending"]) == (0, 200)
    [entry] = [e for e in alice.get("/v1/storefront/points/entries", expect=200).get_json()["data"]
               if e["kind"] == "referral"]
    assert entry["expires_at"] > entry["available_at"]
    with clock.travel(timedelta(days=3, minutes=1)):
        assert points_of(bob)["balance"] == 100 and points_of(alice)["balance"] == 200


def test_referral_points_are_issued_points_in_the_finance_report(tenant):
    tenant.settings({"loyalty": {"points_per_currency_unit": 0}})
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100)
    alice = tenant.consumer()
    bob = invite(tenant, alice)

    buy(tenant, bob, tea(tenant))

    report = tenant.key("finance").get("/v1/finance/reports/points", expect=200).get_json()
    assert (report["issued"], report["outstanding"]) == (300, 300)
