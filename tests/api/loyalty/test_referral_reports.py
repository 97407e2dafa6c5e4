"""What inviters and merchants read: the inviter's list and summary, the admin's referrals, the funnel
report over a period; and the `referrals` settings section."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock
from tests.api.loyalty.coupons import create_template
from tests.api.loyalty.referrals import (
    buy,
    enable_referrals,
    invite,
    order,
    referrals_of,
    summary_of,
    tea,
)

REPORT = "/v1/admin/reports/referrals"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_inviter_sees_her_referrals_newest_first_and_a_summary(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, inviter_daily_cap=1)
    alice, carol = tenant.consumer(), tenant.consumer()
    bob, dan, erin = invite(tenant, alice), invite(tenant, alice), invite(tenant, alice)
    invite(tenant, carol)
    sku = tea(tenant)
    buy(tenant, bob, sku)
    buy(tenant, dan, sku)

    listed = referrals_of(alice)
    page = alice.get("/v1/storefront/referrals", query={"limit": 2}, expect=200).get_json()
    rest = alice.get("/v1/storefront/referrals", query={"limit": 2, "starting_after": page["data"][-1]["id"]},
                     expect=200).get_json()

    assert [r["invitee_id"] for r in listed] == [erin.customer_id, dan.customer_id, bob.customer_id]
    assert [r["status"] for r in listed] == ["pending", "capped", "qualified"]
    assert listed[0]["qualified_at"] is None and listed[1]["qualified_at"]
    assert page["has_more"] and not rest["has_more"] and len(page["data"] + rest["data"]) == 3
    assert summary_of(alice) == {"invited": 3, "qualified": 1, "capped": 1, "points_earned": 200}
    assert summary_of(bob) == {"invited": 0, "qualified": 0, "capped": 0, "points_earned": 0}


def test_the_report_follows_the_funnel_and_what_the_rewards_cost(tenant):
    thanks = create_template(tenant, name="Thanks", claimable=False)
    welcome = create_template(tenant, name="Welcome", claimable=False)
    enable_referrals(tenant, qualify_on="first_order_paid", inviter_points=200, invitee_points=100,
                     inviter_coupon_template_id=thanks["id"], invitee_coupon_template_id=welcome["id"],
                     inviter_daily_cap=2)
    alice, carol = tenant.consumer(), tenant.consumer()
    alices = [invite(tenant, alice) for _ in range(5)]
    carols = [invite(tenant, carol) for _ in range(2)]
    sku = tea(tenant)
    for friend in alices[:3] + carols[:1]:
        buy(tenant, friend, sku)  # alice: qualified, qualified, capped; carol: qualified
    order(alices[3], sku)  # ordered, never paid

    report = tenant.admin.get(REPORT, expect=200).get_json()

    assert {k: report[k] for k in ("invited", "ordered", "paid", "qualified", "capped")} == {
        "invited": 7, "ordered": 5, "paid": 4, "qualified": 3, "capped": 1}
    # Both sides' points: 3 inviters x 200 + 4 invitees x 100; coupons: 3 to inviters, 4 to invitees.
    assert (report["points_cost"], report["coupons_issued"]) == (1000, 7)
    assert report["top_inviters"] == [{"customer_id": alice.customer_id, "invited": 5, "qualified": 2},
                                      {"customer_id": carol.customer_id, "invited": 2, "qualified": 1}]


def test_the_report_counts_referrals_in_the_period_they_were_created(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", invitee_points=100)
    alice = tenant.consumer()
    today = clock.now().astimezone(SHANGHAI).date()
    with clock.travel(timedelta(days=-10)):
        early = invite(tenant, alice)
    invite(tenant, alice)
    buy(tenant, early, tea(tenant))  # qualifies today; it still counts where it was created

    def report(**period):
        return tenant.key("finance").get(REPORT, query=period, expect=200).get_json()

    last_week = (today - timedelta(days=7)).isoformat()
    assert report()["invited"] == 2
    assert (report(to=last_week)["invited"], report(to=last_week)["qualified"]) == (1, 1)
    assert report(to=last_week)["points_cost"] == 100
    assert (report(**{"from": last_week})["invited"], report(**{"from": last_week})["qualified"]) == (1, 0)
    assert report(**{"from": (today + timedelta(days=2)).isoformat()})["invited"] == 0
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert report(**{"from": f"{last_week}T00:00:00+08:00", "to": f"{tomorrow}T23:59:59Z"})["invited"] == 1
    assert report(**{"from": "2000-01-01T00:00:00"})["invited"] == 2  # a local time without an offset


def test_a_date_is_a_local_day_of_the_tenant_from_inclusive_to_exclusive(tenant):
    enable_referrals(tenant)
    alice = tenant.consumer()
    invite(tenant, alice)
    created_at = tenant.admin.get("/v1/admin/referrals", expect=200).get_json()["data"][0]["created_at"]
    day = datetime.fromisoformat(created_at).astimezone(SHANGHAI).date()
    next_day = (day + timedelta(days=1)).isoformat()

    that_day = tenant.admin.get(REPORT, query={"from": day.isoformat(), "to": next_day}, expect=200).get_json()
    until_that_day = tenant.admin.get(REPORT, query={"to": day.isoformat()}, expect=200).get_json()
    from_the_next = tenant.admin.get(REPORT, query={"from": next_day}, expect=200).get_json()

    assert (that_day["invited"], until_that_day["invited"], from_the_next["invited"]) == (1, 0, 0)


@pytest.mark.parametrize("period", [
    {"from": "yesterday"}, {"to": "2024-13-01"}, {"from": "2024-05-02", "to": "2024-05-01"},
    {"from": "2024-05-01T10:00:00Z", "to": "2024-05-01T09:00:00Z"}, {"from": "2024-05-01", "to": "2024-04-30T23:00:00"},
    {"to": "9999-12-31"}, {"from": "0001-01-01T00:00:00+14:00"}, {"to": "9999-12-31T23:59:59-23:59"},
])
def test_a_period_that_is_not_one_is_refused(tenant, period):
    refused = tenant.admin.get(REPORT, query=period, expect=422).get_json()

    assert refused["reason"] == "invalid_request"


def test_admin_and_finance_read_the_report_and_nobody_else(tenant):
    consumer = tenant.consumer()

    tenant.admin.get(REPORT, expect=200)
    tenant.key("finance").get(REPORT, expect=200)
    staff = tenant.key("staff").get(REPORT, expect=403).get_json()
    consumer.get(REPORT, expect=403)
    tenant.storefront.get(REPORT, expect=403)

    assert staff["reason"] == "forbidden"
    tenant.key("staff").get("/v1/admin/referrals", expect=403)


def test_the_merchant_lists_referrals_by_status_and_inviter(tenant):
    enable_referrals(tenant, qualify_on="first_order_paid", invitee_points=100)
    alice, carol = tenant.consumer(), tenant.consumer()
    bob = invite(tenant, alice)
    invite(tenant, alice)
    dan = invite(tenant, carol)
    buy(tenant, bob, tea(tenant))

    qualified = tenant.admin.get("/v1/admin/referrals", query={"status": "qualified"}, expect=200).get_json()["data"]
    carols = tenant.admin.get("/v1/admin/referrals", query={"inviter_id": carol.customer_id},
                              expect=200).get_json()["data"]
    tenant.admin.get("/v1/admin/referrals", query={"status": "lost"}, expect=422)

    assert [(r["invitee_id"], r["inviter_id"]) for r in qualified] == [(bob.customer_id, alice.customer_id)]
    assert qualified[0]["rewards"] == [{**qualified[0]["rewards"][0], "side": "invitee", "kind": "points",
                                        "points": 100, "status": "issued", "customer_id": bob.customer_id}]
    assert [r["invitee_id"] for r in carols] == [dan.customer_id]
    tenant.admin.get("/v1/admin/referrals/ref_doesnotexist000000000000", expect=404)


def test_the_referrals_settings_have_their_defaults_and_refuse_nonsense(tenant):
    defaults = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["referrals"]

    for bad in [{"qualify_on": "first_login"}, {"inviter_points": -1}, {"inviter_daily_cap": -1},
                {"invitee_coupon_template_id": "ord_123"}, {"surprise": True}]:
        refused = tenant.admin.patch("/v1/admin/settings", {"referrals": bad}, expect=422).get_json()
        assert refused["reason"] == "invalid_request"

    assert defaults == {"enabled": False, "inviter_points": 0, "invitee_points": 0,
                        "inviter_coupon_template_id": None, "invitee_coupon_template_id": None,
                        "qualify_on": "first_order_final", "inviter_daily_cap": None}
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["referrals"] == defaults
