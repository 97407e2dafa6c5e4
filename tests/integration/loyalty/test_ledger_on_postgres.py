"""The real points services on PostgreSQL, driven by Hypothesis through orders (checkout holds, order events),
refunds, adjustments, time and the set-based expiry job; the ledger is checked in SQL after every step."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core import clock, events
from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from loyalty import checkout
from loyalty.points import service as points
from loyalty.points.jobs import expire_points
from loyalty.points.models import PointsAccount, PointsEntry, PointsHold, PointsLot
from loyalty.points.rules import points_to_return, reversal_due
from tenants.customers import service as customers

pytestmark = pytest.mark.integration


class PointsOnPostgres(RuleBasedStateMachine):
    tenant_id: str  # set by the test

    def __init__(self):
        super().__init__()
        self.days = 0
        self.net = 0  # tallied from what each step asked for and was granted, never from the ledger
        self.unpaid = {}  # order -> points held
        self.paid = {}  # order -> [paid amount, points spent, points returned, refunded so far]
        with self.session() as session:
            self.customer_id = customers.find_or_create(session, openid=new_id("oid"), provider="dev").id

    @contextmanager
    def session(self):
        with clock.travel(timedelta(days=self.days)), unit_of_work() as session, tenant_scope(self.tenant_id):
            yield session

    def mine(self, model):
        return model.customer_id == self.customer_id

    def publish(self, event):
        with self.session() as session:
            events.publish(session, event)

    def earned(self, amount):
        return amount // 100  # the tenant earns 1 point per yuan

    @rule(amount=st.integers(0, 30_000), percent=st.integers(0, 110))
    def order_is_placed(self, amount, percent):
        with self.session() as session:
            balance = points.spendable(session, customer_id=self.customer_id)
        spend = balance * percent // 100 if percent <= 100 else balance + 1
        order_id = new_id("ord")
        try:
            with self.session() as session:
                checkout.hold_for_order(session, customer_id=self.customer_id, order_id=order_id, coupon_id=None,
                                        points=spend)
        except checkout.InsufficientPoints:
            assert spend > balance
            return
        self.unpaid[order_id] = (spend, amount)
        self.net -= spend

    @precondition(lambda self: self.unpaid)
    @rule(data=st.data())
    def order_is_paid(self, data):
        order_id = data.draw(st.sampled_from(sorted(self.unpaid)))
        spend, amount = self.unpaid.pop(order_id)
        self.publish(events.OrderPaid(self.tenant_id, order_id, self.customer_id, "CNY", amount=amount,
                                      points_used=spend))
        self.paid[order_id] = [amount, spend, 0, 0]
        self.net += self.earned(amount)

    @precondition(lambda self: self.unpaid)
    @rule(data=st.data())
    def unpaid_order_is_cancelled(self, data):
        order_id = data.draw(st.sampled_from(sorted(self.unpaid)))
        spend, _amount = self.unpaid.pop(order_id)
        self.publish(events.OrderCancelled(self.tenant_id, order_id, self.customer_id, "CNY", points_used=spend))
        self.net += spend

    @precondition(lambda self: self.paid)
    @rule(data=st.data(), percent=st.integers(1, 100))
    def order_is_refunded(self, data, percent):
        order_id = data.draw(st.sampled_from(sorted(self.paid)))
        amount, spent, returned, refunded = self.paid[order_id]
        refund = max(1, (amount - refunded) * percent // 100) if amount > refunded else 0
        refunded_total = refunded + refund
        fully = refunded_total >= amount
        give_back = points_to_return(spent * refund // max(amount, 1), spent=spent, returned_so_far=returned,
                                     fully_refunded=fully)
        self.publish(events.OrderRefunded(
            self.tenant_id, order_id, self.customer_id, "CNY", refund_id=new_id("re"), amount=refund,
            paid_amount=amount, refunded_total=refunded_total, points_returned=give_back, fully_refunded=fully))
        earned = self.earned(amount)
        reversed_before = reversal_due(earned=earned, paid_amount=amount, refunded_total=refunded, reversed_so_far=0)
        reversed_now = reversal_due(earned=earned, paid_amount=amount, refunded_total=refunded_total,
                                    reversed_so_far=reversed_before)
        self.paid[order_id] = [amount, spent, returned + give_back, refunded_total]
        self.net += give_back - reversed_now

    @rule(points_=st.integers(-400, 400).filter(bool))
    def admin_adjusts(self, points_):
        try:
            with self.session() as session:
                points.adjust(session, customer_id=self.customer_id, points=points_, reason="stateful")
        except checkout.InsufficientPoints:
            assert points_ < 0
            return
        self.net += points_

    @rule(days=st.integers(1, 20))
    def time_passes(self, days):
        self.days += days

    @rule()
    def expiry_job_runs(self):
        with self.session() as session:
            due = session.scalar(select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
                self.mine(PointsLot), PointsLot.remaining > 0, PointsLot.expires_at <= clock.now()))
            expire_points(session, batch=3)  # small batches: the follow-ups run after commit
        self.net -= due
        with self.session() as session:
            assert session.scalar(select(func.count(PointsLot.id)).where(
                self.mine(PointsLot), PointsLot.remaining > 0, PointsLot.expires_at <= clock.now())) == 0

    @invariant()
    def the_ledger_equals_the_lots_minus_the_debt_and_the_tally(self):
        with self.session() as session:
            ledger = session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                self.mine(PointsEntry)))
            left = session.scalar(select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(self.mine(PointsLot)))
            account = session.scalars(select(PointsAccount).where(self.mine(PointsAccount))).one_or_none()
            held = session.scalar(select(func.coalesce(func.sum(PointsHold.points), 0)).where(
                self.mine(PointsHold), PointsHold.status == "held"))
            open_lots = session.scalar(select(func.count(PointsLot.id)).where(
                self.mine(PointsLot), PointsLot.remaining > 0,
                PointsLot.expires_at.is_(None) | (PointsLot.expires_at > clock.now())))
            bad_lots = session.scalar(select(func.count(PointsLot.id)).where(
                self.mine(PointsLot), (PointsLot.remaining < 0) | (PointsLot.remaining > PointsLot.points)))
        debt = account.debt if account else 0
        assert ledger == left - debt == self.net
        assert (account.held if account else 0) == held == sum(spend for spend, _ in self.unpaid.values())
        assert bad_lots == 0
        assert debt == 0 or open_lots == 0


@pytest.fixture
def points_tenant(tenant):
    tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 15}, "points_pending_days": 2}})
    return tenant


def test_the_ledger_holds_on_postgres_whatever_the_order_of_operations(points_tenant):
    PointsOnPostgres.tenant_id = points_tenant.id

    run_state_machine_as_test(PointsOnPostgres, settings=settings(
        max_examples=12, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
