"""A group's deadline passing, with real RQ workers, real Stripe PaymentIntents through localstripe and its signed
webhooks: the failed group's payments go back through Stripe, once, however the jobs arrive."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.db import unit_of_work
from core.tenancy import tenant_scope
from shop.groupbuy.models import Group
from tests.api.distribution.builders import commissions
from tests.api.groupbuy.builders import campaign, order
from tests.api.shop.builders import stock_of
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def paid_by_card(tenant, stripe_client, shopper, gb, **kwargs) -> dict:
    """A group order paid with a card at localstripe; its signed webhook marks it paid."""
    placed = order(shopper, gb, **kwargs)
    assert stripe_client.confirm(placed["payment"]["intent_id"])["status"] == "succeeded"
    assert wait_until(lambda: status(tenant, placed) == "paid", timeout=60), "the webhook never paid the order"
    return placed


def status(tenant, placed) -> str:
    return tenant.admin.get(f"/v1/admin/orders/{placed['id']}").get_json()["status"]


def the_group(tenant_id: str, group_id: str) -> Group:
    with tenant_scope(tenant_id), unit_of_work() as session:
        return session.scalars(select(Group).where(Group.id == group_id)).one()


def move_into_the_past(tenant_id: str, group_id: str, deadline_job: str, deadline: datetime) -> None:
    with tenant_scope(tenant_id), unit_of_work() as session:
        session.execute(text("UPDATE group_buy_groups SET expires_at = :deadline WHERE tenant_id = :tenant_id "
                             "AND id = :group"), {"deadline": deadline, "tenant_id": tenant_id, "group": group_id})
        session.execute(text("UPDATE job_outbox SET run_at = :deadline WHERE id = :job"),
                        {"deadline": deadline, "job": deadline_job})


def intents_named(prefix: str) -> list[tuple]:
    with unit_of_work() as session:
        return session.execute(text("SELECT id, completed_at IS NOT NULL, attempts FROM job_outbox WHERE id LIKE :p"),
                               {"p": f"{prefix}%"}).all()


def test_a_failed_groups_card_payments_are_refunded_once_though_its_deadline_job_is_delivered_twice(
        live_server, stripe_tenant, stripe_client, start_worker, localstripe, rq_mode):
    tenant = stripe_tenant
    stripe_client.register_webhook(live_server.url + "/v1/webhooks/stripe", tenant.webhook_secret)
    tenant.settings({"orders": {"unpaid_timeout_minutes": 120}})
    gb = campaign(tenant, price=3000, stock=10, group_size=4, time_limit_minutes=1, leader_commission_rate="0.1")
    leader = paid_by_card(tenant, stripe_client, tenant.consumer(), gb)
    group_id = leader["group_buy"]["group_id"]
    member = paid_by_card(tenant, stripe_client, tenant.consumer(), gb, group_id=group_id)
    unpaid = order(tenant.consumer(), gb, group_id=group_id)
    expires_at = the_group(tenant.id, group_id).expires_at
    assert stock_of(tenant, gb["product"]) == 7

    # The deadline passes: the group's shortest time limit is a minute, so rather than wait it out the group's
    # deadline and its intent's due time move a minute into the past, as that minute would leave them; then the
    # intent is delivered to RQ twice more, and the campaign ends at the same moment (a second intent resolving
    # the same group), with two workers taking whatever comes.
    [(deadline_job, _done, _attempts)] = intents_named(f"group:{group_id}:deadline")
    move_into_the_past(tenant.id, group_id, deadline_job, expires_at - timedelta(minutes=1, seconds=1))
    for _ in range(2):
        rq_mode.queue().enqueue("core.jobs.execute", deadline_job)
    tenant.admin.post(f"/v1/admin/group-buys/{gb['id']}/end", expect=202)
    start_worker(STRIPE_API_BASE=localstripe.url)
    start_worker(STRIPE_API_BASE=localstripe.url)

    assert wait_until(lambda: status(tenant, member) == "refunded" and status(tenant, leader) == "refunded"
                      and status(tenant, unpaid) == "cancelled", timeout=180), intents_named(f"group:{group_id}")
    group = the_group(tenant.id, group_id)
    # Refunded after it failed: the paid seats stay counted (the group's members are final); the unpaid one left.
    assert (group.status, group.live_count, group.paid_count, group.virtual_filled) == ("failed", 2, 2, False)
    for placed in (leader, member):
        assert [r["amount"] for r in stripe_client.refunds_of(placed["payment"]["intent_id"])] == [3000]
        refunds = tenant.admin.get(f"/v1/admin/orders/{placed['id']}/refunds").get_json()["data"]
        assert [(r["amount"], r["status"]) for r in refunds] == [(3000, "succeeded")]
    assert wait_until(lambda: stripe_client.intent(unpaid["payment"]["intent_id"])["status"] == "canceled",
                      timeout=60)
    assert stock_of(tenant, gb["product"]) == 10
    assert commissions(tenant) == []
    assert [done for _id, done, _a in intents_named(f"group:{group_id}:unwind")] == [True]
    assert wait_until(lambda: tenant.admin.get(f"/v1/admin/orders/{leader['id']}").get_json()["group_buy"][
        "group_status"] == "failed", timeout=60)
