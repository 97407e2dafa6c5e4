"""Refunds shrink frozen commissions exactly; after-sales closing makes them due; settlement makes them available."""

from decimal import Decimal

import pytest
from sqlalchemy import text

from core import jobs, ledger
from core.db import unit_of_work
from core.events import LineAmount
from core.tenancy import tenant_scope
from shop.distribution import service
from tests.api.distribution.builders import (
    account,
    approved_distributor,
    bound_to,
    buy,
    by_level,
    close_after_sales,
    commissions,
    enable,
    product,
    settle,
)
from tests.api.shop.builders import paid_order


@pytest.fixture
def two_levels(tenant):
    """alice <- bob <- carol (the buyer), two levels at 10% and 5%, after-sales closing at completion."""
    enable(tenant, levels=2, level1_rate="0.10", level2_rate="0.05")
    tenant.settings({"orders": {"after_sales_days": 0}})
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    return alice, bob, bound_to(tenant, bob)


def refund(tenant, order, body=None, expect=201):
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", body or {}, expect=expect).get_json()


def books_balance(tenant) -> dict:
    with unit_of_work() as session, tenant_scope(tenant.id):
        return ledger.totals_by_currency(session)


def test_a_partial_refund_shrinks_both_levels_to_what_the_net_earns(tenant, two_levels):
    alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1999)
    order = buy(tenant, carol, sku, quantity=3)  # 5997

    refund(tenant, order, {"amount": 1001})  # net 4996

    assert by_level(commissions(tenant, order_id=order["id"])) == {1: 499, 2: 249}
    assert account(bob)["balance"]["frozen"] == 499 and account(alice)["balance"]["frozen"] == 249
    assert books_balance(tenant) == {"CNY": 0}


def test_several_refunds_end_exactly_where_one_would(tenant, two_levels):
    _alice, _bob, carol = two_levels
    _tea, sku = product(tenant, 1999)
    in_steps, at_once = buy(tenant, carol, sku, quantity=3), buy(tenant, carol, sku, quantity=3)

    for amount in (333, 333, 335):
        refund(tenant, in_steps, {"amount": amount})
    refund(tenant, at_once, {"amount": 1001})

    assert by_level(commissions(tenant, order_id=in_steps["id"])) == by_level(
        commissions(tenant, order_id=at_once["id"])) == {1: 499, 2: 249}


def test_a_fixed_commission_shrinks_in_proportion_to_the_net(tenant, two_levels):
    _alice, _bob, carol = two_levels
    _tea, sku = product(tenant, 1000, commission={"level1_amount": 100, "level2_amount": 30})
    order = buy(tenant, carol, sku, quantity=3)  # 300 and 90

    refund(tenant, order, {"lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}]})

    assert by_level(commissions(tenant, order_id=order["id"])) == {1: 200, 2: 60}


def test_a_line_refunded_in_full_cancels_its_commissions_at_every_level(tenant, two_levels):
    alice, bob, carol = two_levels
    _tea, tea = product(tenant, 1000)
    _cup, cup = product(tenant, 500)
    order = paid_order(tenant, carol, [(tea, 1), (cup, 1)])
    tea_line, cup_line = order["lines"][0]["id"], order["lines"][1]["id"]

    refund(tenant, order, {"lines": [{"line_id": tea_line, "quantity": 1}]})

    found = {(c["line_id"], c["level"]): (c["status"], c["amount"]) for c in commissions(tenant, order_id=order["id"])}
    assert found == {(tea_line, 1): ("cancelled", 0), (tea_line, 2): ("cancelled", 0),
                     (cup_line, 1): ("frozen", 50), (cup_line, 2): ("frozen", 25)}
    assert account(bob)["balance"]["frozen"] == 50 and account(alice)["balance"]["frozen"] == 25
    assert books_balance(tenant) == {"CNY": 0}


def test_a_full_refund_cancels_everything(tenant, two_levels):
    alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku, quantity=2)

    refund(tenant, order)

    assert {c["status"] for c in commissions(tenant, order_id=order["id"])} == {"cancelled"}
    assert account(bob)["balance"]["frozen"] == account(alice)["balance"]["frozen"] == 0


def test_commissions_stay_frozen_until_after_sales_closes_and_settlement_makes_them_available(tenant, two_levels):
    alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku, quantity=2)

    early = settle(tenant)
    close_after_sales(tenant, order)  # after_sales_days is 0: it closes at completion
    settled = settle(tenant)

    assert (early["status"], early["commissions"], early["amount"]) == ("completed", 0, 0)
    assert (settled["status"], settled["commissions"], settled["amount"]) == ("completed", 2, 300)
    assert settled["completed_at"] and settled["trigger"] == "on_demand"
    assert {(c["status"], c["settlement_id"]) for c in commissions(tenant, order_id=order["id"])} == {
        ("settled", settled["id"])}
    assert account(bob)["balance"] == {"frozen": 0, "available": 200, "withdrawing": 0, "withdrawn": 0}
    assert account(alice)["balance"]["available"] == 100
    assert refund(tenant, order, expect=409)["reason"] == "invalid_state"  # settled is final
    assert books_balance(tenant) == {"CNY": 0}


def test_a_refund_before_completion_is_clawed_back_before_it_settles(tenant, two_levels):
    _alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku, quantity=2)
    refund(tenant, order, {"amount": 500})

    close_after_sales(tenant, order)
    settle(tenant)

    assert account(bob)["balance"]["available"] == 150


def test_a_settlement_request_answers_202_queued_and_is_idempotent(tenant, two_levels):
    key = {"Idempotency-Key": "settle-once"}

    first = tenant.admin.post("/v1/finance/settlements", headers=key, expect=202)
    again = tenant.admin.post("/v1/finance/settlements", headers=key, expect=202)

    assert first.get_json()["status"] == "queued" and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = tenant.key("finance").get("/v1/finance/settlements", expect=200).get_json()["data"]
    assert [s["id"] for s in listed] == [first.get_json()["id"]]


def test_the_periodic_job_settles_due_commissions_and_records_only_runs_that_settled(tenant, two_levels):
    _alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku)

    with unit_of_work() as session, tenant_scope(tenant.id):
        idle = service.start_periodic_settlement(session)
    close_after_sales(tenant, order)
    with unit_of_work() as session:  # what the scheduler writes for each tenant every 10 minutes
        jobs.enqueue(session, "distribution.settle", key=f"distribution.settle:{tenant.id}:test", tenant_id=tenant.id)

    listed = tenant.admin.get("/v1/finance/settlements", expect=200).get_json()["data"]
    assert idle is None
    assert [(s["trigger"], s["status"], s["commissions"], s["amount"]) for s in listed] == [
        ("periodic", "completed", 2, 150)]
    assert account(bob)["balance"]["available"] == 100


def test_a_run_settles_in_batches_each_its_own_job(tenant, two_levels):
    _alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    orders = [buy(tenant, carol, sku) for _ in range(3)]
    for order in orders:
        close_after_sales(tenant, order)

    with unit_of_work() as session, tenant_scope(tenant.id):
        run = service.start_periodic_settlement(session, limit=2)
    jobs.run_due(tenant_id=tenant.id)

    settled = tenant.admin.get(f"/v1/finance/settlements/{run.id}", expect=200).get_json()
    assert (settled["status"], settled["commissions"], settled["amount"]) == ("completed", 6, 450)
    assert account(bob)["balance"]["available"] == 300


def test_after_sales_days_zero_closes_at_completion_even_by_the_customers_confirmation(tenant, two_levels):
    _alice, bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)

    carol.post(f"/v1/storefront/orders/{order['id']}/confirm-receipt", expect=200)

    assert {c["final_at"] is not None for c in commissions(tenant, order_id=order["id"])} == {True}
    assert settle(tenant)["commissions"] == 2


def test_a_group_leader_earns_on_a_members_line_with_an_account_of_status_none(tenant, two_levels):
    _alice, bob, carol = two_levels
    leader = tenant.consumer()
    tea, sku = product(tenant, 1000)
    order = buy(tenant, carol, sku, quantity=2)
    line = order["lines"][0]

    with unit_of_work() as session, tenant_scope(tenant.id):
        recorded = service.record_leader_commission(
            session, leader_customer_id=leader.customer_id, order_id=order["id"], customer_id=carol.customer_id,
            currency="CNY", lines=[LineAmount(line["id"], tea["id"], sku, 2, 2000)], rate=Decimal("0.03"))
    refund(tenant, order, {"amount": 1000})
    close_after_sales(tenant, order)
    settle(tenant)

    assert [(c.kind, c.level, c.amount) for c in recorded] == [("group_leader", 1, 60)]
    mine = account(leader)
    assert mine["status"] == "none" and mine["balance"]["available"] == 30
    assert by_level(commissions(tenant, order_id=order["id"], distributor_id=bob.distributor_id)) == {1: 100}
    listed = tenant.admin.get("/v1/admin/distributors", query={"status": "none"}, expect=200).get_json()["data"]
    assert [d["customer_id"] for d in listed] == [leader.customer_id]
    assert leader.customer_id not in [d["customer_id"] for d in
                                      tenant.admin.get("/v1/admin/distributors", expect=200).get_json()["data"]]
    assert books_balance(tenant) == {"CNY": 0}


def test_a_none_account_that_applies_is_judged_like_anyone(tenant, two_levels):
    leader = tenant.consumer()
    with unit_of_work() as session, tenant_scope(tenant.id):
        service.ensure_earner_account(session, customer_id=leader.customer_id)
    tenant.settings({"distribution": {"who": "approved"}})

    applied = leader.post("/v1/storefront/distributor", {}, expect=201).get_json()

    assert applied["status"] == "pending"


def test_ledger_entries_cannot_be_changed(tenant, two_levels):
    _alice, _bob, carol = two_levels
    _tea, sku = product(tenant, 1000)
    buy(tenant, carol, sku)

    # In the tenant's own scope, so that the statement passes the tenancy hook and reaches the database's trigger.
    with pytest.raises(Exception, match="immutable"), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(text("UPDATE ledger_entries SET amount = amount * 2 WHERE tenant_id = :tenant_id"),
                        {"tenant_id": tenant.id})
