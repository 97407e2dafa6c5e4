"""Every rule field over HTTP, on customers made by real orders, refunds, points and events of the parts
that are not built here yet (distributor status, set by distribution; referred_by, set by referrals)."""

from sqlalchemy import update

from core import events
from core.db import unit_of_work
from core.tenancy import tenant_scope
from tenants.customers.models import Customer
from tests.api.loyalty.segments.campaigns import segment
from tests.api.loyalty.segments.shop import Shop, customer, refresh


def members(tenant, *conditions, kind="all"):
    created = segment(tenant, {kind: list(conditions)})
    preview = tenant.admin.get(f"/v1/admin/segments/{created['id']}/preview", expect=200).get_json()
    assert preview["count"] == len(preview["sample"])
    return set(preview["sample"])


def cond(field, op, value):
    return {"field": field, "op": op, "value": value}


def test_order_fields_count_paid_orders_net_of_refunds(tenant):
    shop = Shop(tenant, price=10_000)
    one, two, refunded, browser = (tenant.consumer() for _ in range(4))
    shop.buy(one)
    shop.buy(two), shop.buy(two)
    shop.refund(shop.buy(refunded))
    partly = shop.buy(one)
    shop.refund(partly, amount=4_000)

    assert members(tenant, cond("paid_orders", "eq", 2)) == {one.customer_id, two.customer_id}
    assert members(tenant, cond("paid_orders", "eq", 0)) == {refunded.customer_id, browser.customer_id}
    assert members(tenant, cond("net_spend", "eq", 16_000)) == {one.customer_id}
    assert members(tenant, cond("net_spend", "gt", 16_000)) == {two.customer_id}
    assert members(tenant, cond("net_spend", "in", [0, 20_000])) == {two.customer_id, refunded.customer_id,
                                                                      browser.customer_id}
    assert members(tenant, cond("last_paid_days", "lte", 0)) == {one.customer_id, two.customer_id}
    assert members(tenant, cond("last_paid_days", "ne", 5)) == {one.customer_id, two.customer_id}  # none: false


def test_stage_and_registered_days(tenant):
    shop, buyer, browser = Shop(tenant), tenant.consumer(), tenant.consumer()
    shop.buy(buyer)

    assert members(tenant, cond("stage", "eq", "new")) == {buyer.customer_id}
    assert members(tenant, cond("stage", "in", ["prospect", "loyal"])) == {browser.customer_id}
    assert members(tenant, cond("stage", "ne", "new")) == {browser.customer_id}
    assert members(tenant, cond("registered_days", "eq", 0)) == {buyer.customer_id, browser.customer_id}
    assert members(tenant, cond("registered_days", "gte", 1)) == set()


def test_points_balance_counts_spendable_points(tenant):
    shop, earner, browser = Shop(tenant, price=10_000), tenant.consumer(), tenant.consumer()
    shop.buy(earner)  # 100 yuan earns 100 points

    assert members(tenant, cond("points_balance", "gte", 100)) == {earner.customer_id}
    assert members(tenant, cond("points_balance", "lt", 1)) == {browser.customer_id}


def test_tags_is_distributor_and_referred(tenant):
    inviter, invitee, other = tenant.consumer(), tenant.consumer(), tenant.consumer()
    tag = tenant.admin.post("/v1/admin/tags", {"name": "VIP"}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": [other.customer_id]}, expect=200)
    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(update(Customer).where(Customer.id == invitee.customer_id)
                        .values(referred_by=inviter.customer_id))  # what referrals does at login
        events.publish(session, events.DistributorStatusChanged(tenant.id, inviter.customer_id, "approved"))
        events.publish(session, events.DistributorStatusChanged(tenant.id, other.customer_id, "pending"))
    everyone = {inviter.customer_id, invitee.customer_id, other.customer_id}

    assert members(tenant, cond("tag", "eq", tag["id"])) == {other.customer_id}
    assert members(tenant, cond("tag", "ne", tag["id"])) == everyone - {other.customer_id}
    assert members(tenant, cond("is_distributor", "eq", True)) == {inviter.customer_id}
    assert members(tenant, cond("is_distributor", "ne", True)) == everyone - {inviter.customer_id}
    assert members(tenant, cond("referred", "eq", True)) == {invitee.customer_id}
    assert members(tenant, cond("referred", "eq", False)) == everyone - {invitee.customer_id}

    with unit_of_work() as session, tenant_scope(tenant.id):
        events.publish(session, events.DistributorStatusChanged(tenant.id, inviter.customer_id, "suspended"))
    assert members(tenant, cond("is_distributor", "eq", True)) == set()


def test_any_and_nested_groups(tenant):
    shop, buyer, vip, browser = Shop(tenant), tenant.consumer(), tenant.consumer(), tenant.consumer()
    shop.buy(buyer)
    tag = tenant.admin.post("/v1/admin/tags", {"name": "VIP"}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": [vip.customer_id]}, expect=200)

    assert members(tenant, cond("stage", "eq", "new"), cond("tag", "eq", tag["id"]), kind="any") == \
        {buyer.customer_id, vip.customer_id}
    assert members(tenant, cond("stage", "eq", "prospect"),
                   {"any": [cond("tag", "eq", tag["id"]), cond("paid_orders", "gt", 5)]}) == {vip.customer_id}
    assert browser.customer_id not in members(tenant, {"all": [cond("registered_days", "gte", 0)]},
                                              cond("tag", "eq", tag["id"]))


def test_a_rule_naming_another_tenants_tag_is_refused_like_a_missing_one(tenant, other_tenant):
    theirs = other_tenant.admin.post("/v1/admin/tags", {"name": "Theirs"}, expect=201).get_json()

    named = tenant.admin.post("/v1/admin/segments", {"name": "x", "rule": {"all": [cond("tag", "eq", theirs["id"])]}})
    missing = tenant.admin.post("/v1/admin/segments", {"name": "x", "rule": {"all": [cond("tag", "eq", "tag_none")]}})

    assert named.status_code == missing.status_code == 422
    assert named.get_json()["errors"] == missing.get_json()["errors"] == {"rule.all.0.value": ["No such tag."]}


def test_rfm_scores_are_quintiles_within_the_tenant_after_a_refresh(tenant):
    shop, browser = Shop(tenant, price=1_000), tenant.consumer()
    buyers = [tenant.consumer() for _ in range(5)]
    for count, buyer in enumerate(buyers, start=1):
        for _ in range(count):
            shop.buy(buyer)
    assert customer(tenant, buyers[0].customer_id)["rfm"]["r"] is None  # not scored until a refresh

    refresh(tenant)

    scores = [customer(tenant, b.customer_id)["rfm"] for b in buyers]
    assert [(s["r"], s["f"], s["m"]) for s in scores] == [(n, n, n) for n in range(1, 6)]
    assert [(s["frequency"], s["monetary"]) for s in scores] == [(n, n * 1_000) for n in range(1, 6)]
    assert customer(tenant, browser.customer_id)["rfm"] == {"recency_days": None, "frequency": 0, "monetary": 0,
                                                            "r": None, "f": None, "m": None}


def test_a_stage_change_is_published_as_an_event(tenant, monkeypatch):
    seen = []  # by a handler: with none subscribed, the payment does not wait for the stage's rows
    monkeypatch.setitem(events._handlers, events.CustomerStageChanged, [lambda _session, event: seen.append(event)])
    shop, shopper = Shop(tenant), tenant.consumer()

    shop.buy(shopper)

    [changed] = [e for e in seen if isinstance(e, events.CustomerStageChanged)]
    assert (changed.tenant_id, changed.customer_id, changed.previous_stage, changed.stage) == \
        (tenant.id, shopper.customer_id, "prospect", "new")
    assert changed.since == customer(tenant, shopper.customer_id)["stage_since"]
