"""Campaigns over HTTP: dry-run, launch, the frequency cap and the template's limits, and the outcome
measured from real orders that use the campaign's coupons."""

import threading

import psycopg
import pytest

from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.segments.service import granting
from tests.api.loyalty.segments.campaigns import campaign, coupon_template, dry_run, launch, segment, tagged
from tests.api.loyalty.segments.shop import Shop

EVERYONE = {"all": [{"field": "registered_days", "op": "gte", "value": 0}]}


def coupons_of(shopper):
    return shopper.get("/v1/storefront/coupons", expect=200).get_json()["data"]


def points_of(tenant, customer_id):
    return tenant.admin.get(f"/v1/admin/customers/{customer_id}/points", expect=200).get_json()


def test_a_coupon_campaign_grants_within_the_templates_limits_and_says_so(tenant):
    shoppers = [tenant.consumer() for _ in range(5)]
    template = coupon_template(tenant, total_quantity=4, per_customer_limit=1, claimable=True)
    shoppers[0].post(f"/v1/storefront/coupon-templates/{template['id']}/claim", expect=201)  # at its limit
    audience = tagged(tenant, [s.customer_id for s in shoppers])
    created = campaign(tenant, audience["id"], {"kind": "grant_coupon", "coupon_template_id": template["id"]})
    assert (created["status"], created["action"]) == ("draft", {"kind": "grant_coupon",
                                                                "coupon_template_id": template["id"]})

    estimate = dry_run(tenant, created["id"])
    assert estimate == {"audience": 5, "capped": 0, "eligible": 3,
                        "estimated_cost": {"amount": 3_000, "currency": "CNY"}}
    assert tenant.admin.get(f"/v1/admin/campaigns/{created['id']}").get_json()["status"] == "draft"

    done = launch(tenant, created["id"])

    assert (done["status"], done["audience"], done["granted"], done["skipped_capped"], done["skipped_limit"]) == \
        ("completed", 5, 3, 0, 2)
    assert [len(coupons_of(s)) for s in shoppers] == [1, 1, 1, 1, 0]  # the earliest ids got the last three
    again = tenant.admin.post(f"/v1/admin/campaigns/{created['id']}/launch")
    assert (again.status_code, again.get_json()["reason"]) == (409, "invalid_state")


def test_the_frequency_cap_spans_campaigns(tenant):
    tenant.settings({"campaigns": {"max_grants_per_customer": 1, "cap_days": 7}})
    shoppers = [tenant.consumer() for _ in range(4)]
    first = campaign(tenant, tagged(tenant, [s.customer_id for s in shoppers[:2]], "First two")["id"],
                     {"kind": "grant_points", "points": 100})
    launch(tenant, first["id"])
    second = campaign(tenant, segment(tenant, EVERYONE)["id"], {"kind": "grant_points", "points": 50})

    assert dry_run(tenant, second["id"]) == {"audience": 4, "capped": 2, "eligible": 2,
                                             "estimated_cost": {"amount": 100, "currency": "CNY"}}
    done = launch(tenant, second["id"])

    assert (done["granted"], done["skipped_capped"], done["skipped_limit"]) == (2, 2, 0)
    assert [points_of(tenant, s.customer_id)["balance"] for s in shoppers] == [100, 100, 50, 50]


def test_a_wider_cap_lets_a_second_grant_through(tenant):
    tenant.settings({"campaigns": {"max_grants_per_customer": 2}})
    shopper = tenant.consumer()
    audience = tagged(tenant, [shopper.customer_id])
    for points in (10, 20, 30):
        launch(tenant, campaign(tenant, audience["id"], {"kind": "grant_points", "points": points})["id"])

    assert points_of(tenant, shopper.customer_id)["balance"] == 30


def test_granted_points_follow_the_pending_and_expiry_rules(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 3, "points_expiry": {"mode": "days", "days": 30}}})
    shopper = tenant.consumer()

    launch(tenant, campaign(tenant, tagged(tenant, [shopper.customer_id])["id"],
                            {"kind": "grant_points", "points": 70})["id"])

    summary = points_of(tenant, shopper.customer_id)
    assert (summary["balance"], summary["pending"]) == (0, 70)
    entries = tenant.admin.get(f"/v1/admin/customers/{shopper.customer_id}/points/entries").get_json()["data"]
    assert [(e["kind"], e["points"]) for e in entries] == [("campaign", 70)]
    assert tenant.admin.get("/v1/finance/reports/points").get_json()["issued"] == 70


def test_the_outcome_counts_the_campaigns_coupons_used_on_paid_orders_net_of_refunds(tenant):
    shop = Shop(tenant, price=10_000)
    buyer, idle = tenant.consumer(), tenant.consumer()
    template = coupon_template(tenant, amount_off=1_000)
    done = launch(tenant, campaign(tenant, tagged(tenant, [buyer.customer_id, idle.customer_id])["id"],
                                   {"kind": "grant_coupon", "coupon_template_id": template["id"]})["id"])
    assert (done["redeemed"], done["orders"], done["revenue"]) == (0, 0, 0)
    shop.buy(buyer)  # an order without the coupon is not the campaign's

    order = shop.buy(buyer, coupon_id=coupons_of(buyer)[0]["id"])
    outcome = tenant.admin.get(f"/v1/admin/campaigns/{done['id']}").get_json()
    assert (outcome["redeemed"], outcome["orders"], outcome["revenue"]) == (1, 1, 9_000)

    shop.refund(order, amount=4_000)
    outcome = tenant.admin.get(f"/v1/admin/campaigns/{done['id']}").get_json()
    assert (outcome["redeemed"], outcome["orders"], outcome["revenue"]) == (1, 1, 5_000)

    shop.refund(order)
    outcome = tenant.admin.get(f"/v1/admin/campaigns/{done['id']}").get_json()
    assert (outcome["redeemed"], outcome["orders"], outcome["revenue"]) == (1, 0, 0)


def test_a_percent_coupon_without_a_cap_has_no_cost_estimate(tenant):
    shopper = tenant.consumer()
    template = tenant.admin.post("/v1/admin/coupon-templates", {"name": "10%", "kind": "percent_off",
                                                                 "percent_off": 10}, expect=201).get_json()
    capped = tenant.admin.post("/v1/admin/coupon-templates", {"name": "10% up to 5", "kind": "percent_off",
                                                              "percent_off": 10, "max_discount": 500},
                               expect=201).get_json()
    audience = tagged(tenant, [shopper.customer_id])

    open_ended = dry_run(tenant, campaign(tenant, audience["id"], {"kind": "grant_coupon",
                                                                   "coupon_template_id": template["id"]})["id"])
    bounded = dry_run(tenant, campaign(tenant, audience["id"], {"kind": "grant_coupon",
                                                                "coupon_template_id": capped["id"]})["id"])

    assert open_ended["estimated_cost"] == {"amount": None, "currency": "CNY"}
    assert bounded["estimated_cost"] == {"amount": 500, "currency": "CNY"}


def test_a_campaign_whose_template_window_has_ended_grants_nothing(tenant):
    shopper = tenant.consumer()
    template = coupon_template(tenant, valid_days=None, valid_until="2020-01-01T00:00:00+00:00")
    created = campaign(tenant, tagged(tenant, [shopper.customer_id])["id"],
                       {"kind": "grant_coupon", "coupon_template_id": template["id"]})

    assert dry_run(tenant, created["id"])["eligible"] == 0
    done = launch(tenant, created["id"])
    assert (done["granted"], done["skipped_limit"]) == (0, 1)


def test_an_empty_segment_completes_at_once(tenant):
    created = campaign(tenant, segment(tenant, {"all": [{"field": "paid_orders", "op": "gt", "value": 99}]})["id"],
                       {"kind": "grant_points", "points": 5})

    done = launch(tenant, created["id"])

    assert (done["status"], done["audience"], done["granted"]) == ("completed", 0, 0)


def test_the_audience_is_the_segments_members_as_of_the_launch(tenant):
    shop, early = Shop(tenant), tenant.consumer()
    shop.buy(early)
    buyers = segment(tenant, {"all": [{"field": "paid_orders", "op": "gte", "value": 1}]})
    created = campaign(tenant, buyers["id"], {"kind": "grant_points", "points": 5})

    done = launch(tenant, created["id"])
    shop.buy(tenant.consumer())

    assert tenant.admin.get(f"/v1/admin/campaigns/{done['id']}").get_json()["audience"] == 1


def test_a_launch_replayed_with_its_idempotency_key_answers_the_same(tenant):
    created = campaign(tenant, segment(tenant, EVERYONE)["id"], {"kind": "grant_points", "points": 5})
    headers = {"Idempotency-Key": "launch-1"}

    first = tenant.admin.post(f"/v1/admin/campaigns/{created['id']}/launch", headers=headers, expect=202)
    replay = tenant.admin.post(f"/v1/admin/campaigns/{created['id']}/launch", headers=headers, expect=202)

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()


def test_a_campaign_names_only_the_tenants_own_segment_and_template(tenant, other_tenant):
    theirs_segment = segment(other_tenant, EVERYONE)
    theirs_template = coupon_template(other_tenant)
    mine = segment(tenant, EVERYONE)

    response = tenant.admin.post("/v1/admin/campaigns", {"name": "x", "segment_id": theirs_segment["id"], "action": {
        "kind": "grant_coupon", "coupon_template_id": theirs_template["id"]}})
    missing = tenant.admin.post("/v1/admin/campaigns", {"name": "x", "segment_id": "seg_nothing", "action": {
        "kind": "grant_coupon", "coupon_template_id": "cpt_nothing"}})

    assert response.status_code == missing.status_code == 422
    assert response.get_json()["errors"] == missing.get_json()["errors"] == {
        "segment_id": ["No such segment."], "action.coupon_template_id": ["No such coupon template."]}
    assert tenant.admin.get("/v1/admin/campaigns").get_json()["data"] == []
    tenant.admin.post("/v1/admin/campaigns", {"name": "x", "segment_id": mine["id"],
                                              "action": {"kind": "grant_points"}}, expect=422)


@pytest.mark.parametrize("action", [{"kind": "grant_points", "points": 0},
                                    {"kind": "grant_coupon", "points": 5},
                                    {"kind": "grant_points", "points": 5, "coupon_template_id": "cpt_x"},
                                    {"kind": "grant_cash", "points": 5}])
def test_an_action_must_fit_its_kind(tenant, action):
    mine = segment(tenant, EVERYONE)

    response = tenant.admin.post("/v1/admin/campaigns", {"name": "x", "segment_id": mine["id"], "action": action})

    assert (response.status_code, response.get_json()["reason"]) == (422, "invalid_request")


def test_finance_reads_campaigns_and_dry_runs_them_but_does_not_create_or_launch(tenant):
    finance, staff = tenant.key("finance"), tenant.key("staff")
    mine = segment(tenant, EVERYONE)
    created = campaign(tenant, mine["id"], {"kind": "grant_points", "points": 5})

    assert finance.get("/v1/admin/campaigns").status_code == 200
    assert finance.get(f"/v1/admin/campaigns/{created['id']}").status_code == 200
    assert finance.post(f"/v1/admin/campaigns/{created['id']}/dry-run").status_code == 200
    refused = [finance.post(f"/v1/admin/campaigns/{created['id']}/launch"),
               finance.post("/v1/admin/campaigns", {"name": "x", "segment_id": mine["id"],
                                                    "action": {"kind": "grant_points", "points": 5}}),
               finance.post("/v1/admin/tags", {"name": "x"}), finance.get("/v1/admin/segments"),
               finance.post("/v1/admin/lifecycle/refresh"),
               staff.get("/v1/admin/campaigns"), staff.post(f"/v1/admin/campaigns/{created['id']}/dry-run")]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert {r.get_json()["reason"] for r in refused} == {"forbidden"}
    assert tenant.admin.get(f"/v1/admin/campaigns/{created['id']}").get_json()["status"] == "draft"


def test_a_batch_looks_past_a_momentary_lock_on_its_campaign_but_leaves_a_held_one(tenant, database_url):
    # A second launch's guarded UPDATE holds the row for a moment just after the winner commits, when the winner's
    # first batch runs: that is no runner, and the batch must not leave the campaign to its watch 30 s later.
    created = campaign(tenant, segment(tenant, EVERYONE)["id"], {"kind": "grant_points", "points": 5})
    assert launch(tenant, created["id"])["status"] == "completed"  # no members: done at once

    def batch() -> str:
        with unit_of_work() as session, tenant_scope(tenant.id):
            return granting.grant_batch(session, campaign_id=created["id"], batches=0)

    lock = "SELECT 1 FROM campaigns WHERE id = %s FOR UPDATE"
    with psycopg.connect(database_url) as holder:
        holder.execute(lock, [created["id"]])
        threading.Timer(0.06, holder.rollback).start()
        assert batch() == "done"  # it got the row once let go: the campaign is complete, nothing to do
    with psycopg.connect(database_url) as holder:
        holder.execute(lock, [created["id"]])
        assert batch() == "busy"  # held throughout: another runner's, left to it
        holder.rollback()
