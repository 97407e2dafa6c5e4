"""PostgreSQL's one-statement paths leave exactly the rows the general paths leave: the hold (checkout), the coupon
locked with it (the checkout facade), the hold settled, and settled with the order's earning (payment), whatever
the lots (pending, expired, used up, never expiring, tied expiries and availability, mixed-case ids), the coupon
and the account. Hypothesis builds the points, each path runs in a transaction of its own that is rolled back,
and the rows are compared."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from core import clock
from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from loyalty import checkout
from loyalty.coupons import service as coupons
from loyalty.coupons.models import Coupon, CouponTemplate
from loyalty.errors import CouponNotApplicable, InsufficientPoints
from loyalty.points import service as points
from loyalty.points.models import PointsAccount, PointsEntry, PointsHold, PointsLot
from loyalty.points.service import spending
from tenants.customers import service as customers
from tests.support.waiting import lock_waiters, wait_until

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
DAY = timedelta(days=1)

lots = st.lists(
    st.tuples(
        st.text("aAbBzZ0_", min_size=1, max_size=4),  # mixed case: the draw's tie-break is Python's byte order
        st.integers(1, 40),  # points
        st.integers(0, 40),  # remaining (capped at points)
        st.sampled_from([-3, -1, 0, 1]),  # available, days from now (0: available exactly now)
        st.sampled_from([None, -1, 0, 1, 2, 2, 5]),  # expires, days from now (0: expired exactly now)
    ),
    max_size=8, unique_by=lambda lot: lot[0],
)


@contextmanager
def rolled_back(tenant_id: str):
    """A unit of work at NOW whose writes are undone: both paths start from the same rows."""
    with mock.patch.object(clock, "now", return_value=NOW), tenant_scope(tenant_id), unit_of_work() as session:
        try:
            yield session
        finally:
            session.rollback()


def rows(session, customer_id: str) -> dict:
    session.flush()
    mine = PointsEntry.customer_id == customer_id
    return {
        "account": session.execute(select(PointsAccount.held, PointsAccount.debt)
                                   .where(PointsAccount.customer_id == customer_id)).all(),
        "lots": session.execute(select(PointsLot.id, PointsLot.points, PointsLot.remaining, PointsLot.expired)
                                .where(PointsLot.customer_id == customer_id).order_by(PointsLot.id)).all(),
        "entries": session.execute(
            select(PointsEntry.kind, PointsEntry.points, PointsEntry.source, PointsEntry.order_id, PointsEntry.lot_id,
                   PointsEntry.draws, PointsEntry.reason, PointsEntry.available_at, PointsEntry.expires_at,
                   PointsEntry.created_at).where(mine).order_by(PointsEntry.source)).all(),
        "holds": session.execute(
            select(PointsHold.order_id, PointsHold.customer_id, PointsHold.points, PointsHold.returned,
                   PointsHold.status, PointsHold.draws, PointsHold.created_at, PointsHold.updated_at)
            .where(PointsHold.customer_id == customer_id)).all(),
    }


@pytest.fixture
def customer(tenant):
    with tenant_scope(tenant.id), unit_of_work() as session:
        customer_id = customers.find_or_create(session, openid=new_id("oid"), provider="dev").id
    return tenant.id, customer_id


def arrange(tenant_id: str, customer_id: str, given_lots, *, held: int, hold: int | None = None) -> None:
    """The customer's account and lots (and, with `hold`, an order holding that many points), replacing any."""
    with tenant_scope(tenant_id), unit_of_work() as session:
        for model in (PointsHold, PointsEntry, PointsLot, PointsAccount):
            session.execute(delete(model).where(model.customer_id == customer_id))
        session.execute(insert(PointsAccount), [{"tenant_id": tenant_id, "customer_id": customer_id, "held": held,
                                                 "debt": 0, "created_at": NOW - 9 * DAY}])
        if given_lots:
            session.execute(insert(PointsLot), [
                {"tenant_id": tenant_id, "id": f"plt_{lot_id}", "customer_id": customer_id, "entry_id": new_id("pte"),
                 "points": points, "remaining": min(remaining, points), "expired": 0,
                 "available_at": NOW + available * DAY,
                 "expires_at": None if expires is None else NOW + expires * DAY, "created_at": NOW - 9 * DAY}
                for lot_id, points, remaining, available, expires in given_lots])
        if hold is not None:
            session.execute(insert(PointsHold), [
                {"tenant_id": tenant_id, "order_id": "ord_paid", "customer_id": customer_id, "points": hold,
                 "returned": 0, "status": "held", "draws": [], "created_at": NOW, "updated_at": NOW}])


_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(given_lots=lots, points=st.integers(1, 120), held=st.integers(0, 30), most_lots=st.sampled_from([None, 1, 3]))
def test_the_one_statement_hold_leaves_what_the_wallet_leaves(customer, given_lots, points, held, most_lots):
    """`most_lots`: the statement made to read at most that many lots (None: as built, HOLD_LOTS), so a hold
    that draws from more of them is seen to write nothing and leave it to the Wallet."""
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, given_lots, held=held)
    hold = {"customer_id": customer_id, "order_id": "ord_1", "points": points}
    most_lots = most_lots or spending.HOLD_LOTS
    with mock.patch.object(spending, "HOLD_LOTS", most_lots):
        statement = spending.hold_statement()

    with rolled_back(tenant_id) as session:
        held_in_one = spending.hold_in_one_statement(session, statement, **hold).ok
        fast = rows(session, customer_id)
    with rolled_back(tenant_id) as session:
        try:
            spending.hold_by_wallet(session, **hold)
        except InsufficientPoints:
            general = None
        else:
            general = rows(session, customer_id)

    event(f"held: {held_in_one}")
    if general is None or len(general["holds"][0].draws) > most_lots:
        assert not held_in_one
        assert fast == rows_before(tenant_id, customer_id)  # it wrote nothing
    else:
        assert held_in_one
        assert fast == general


def rows_before(tenant_id: str, customer_id: str) -> dict:
    with rolled_back(tenant_id) as session:
        return rows(session, customer_id)


@_SETTINGS
@given(given_lots=lots, held=st.integers(0, 30), hold=st.one_of(st.none(), st.integers(1, 30)),
       status=st.sampled_from(["held", "spent", "released"]))
def test_the_one_statement_settlement_leaves_what_the_wallet_leaves(customer, given_lots, held, hold, status):
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, given_lots, held=held + (hold or 0), hold=hold)
    if hold is not None and status != "held":
        with tenant_scope(tenant_id), unit_of_work() as session:
            session.execute(update(PointsHold).where(PointsHold.order_id == "ord_paid").values(status=status))

    with rolled_back(tenant_id) as session:
        assert spending._settle_in_one_statement(session, customer_id=customer_id, order_id="ord_paid")
        fast = rows(session, customer_id)
    with rolled_back(tenant_id) as session:
        spending._settle_by_wallet(session, customer_id=customer_id, order_id="ord_paid")
        general = rows(session, customer_id)

    assert fast == general


def test_a_hold_waits_for_no_lock_in_one_statement_and_the_wallet_takes_over(customer):
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, [("a", 50, 50, -1, None)], held=0)
    hold = {"customer_id": customer_id, "order_id": "ord_1", "points": 20}

    with rolled_back(tenant_id) as other:
        other.execute(select(PointsAccount).where(PointsAccount.customer_id == customer_id).with_for_update())
        with rolled_back(tenant_id) as session:
            held_in_one = spending.hold_in_one_statement(session, **hold).ok
            untouched = rows(session, customer_id)

    assert not held_in_one  # another transaction had the account: the statement skipped it and wrote nothing
    assert untouched == rows_before(tenant_id, customer_id)


def test_a_hold_whose_drawn_lot_changed_while_it_waited_for_it_writes_nothing_and_the_wallet_takes_over(
        customer, database_url):
    """Only the lots drawn are locked, after the draw was worked out on the statement's snapshot: one that
    another transaction changed meanwhile (an expiry batch, an exchange) no longer holds what the draw took
    from it, so the statement holds nothing (drawing the 50 points the snapshot saw from 45 would break the
    lot's own check) and the Wallet's path decides."""
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, [("a", 50, 50, -1, None), ("b", 40, 40, -1, None)], held=0)
    hold = {"customer_id": customer_id, "order_id": "ord_1", "points": 50}
    outcome = {}

    def hold_in_one_statement():
        with rolled_back(tenant_id) as session:
            outcome["ok"] = spending.hold_in_one_statement(session, **hold).ok
            outcome["rows"] = rows(session, customer_id)

    with tenant_scope(tenant_id), unit_of_work() as other:
        other.execute(update(PointsLot).where(PointsLot.id == "plt_a").values(remaining=PointsLot.remaining - 5))
        holding = threading.Thread(target=hold_in_one_statement)
        holding.start()
        waited = wait_until(lambda: lock_waiters(database_url), timeout=10)
    holding.join(timeout=15)

    assert waited, "the statement did not wait for the drawn lot"
    assert outcome["ok"] is False
    assert outcome["rows"] == rows_before(tenant_id, customer_id)  # it wrote nothing: lot a kept its 45
    assert [lot.remaining for lot in outcome["rows"]["lots"]] == [45, 40]


COUPON_STATES = {  # status, valid_from, valid_until (days from now), whose
    "available": ("available", None, None, "mine"),
    "inside its window": ("available", -1, 1, "mine"),
    "window starts now": ("available", 0, None, "mine"),
    "window ended now": ("available", None, 0, "mine"),
    "not yet valid": ("available", 1, None, "mine"),
    "locked by another order": ("locked", None, None, "mine"),
    "used": ("used", None, None, "mine"),
    "another customer's": ("available", None, None, "theirs"),
}


def arrange_coupon(tenant_id: str, customer_id: str, state: str) -> str:
    status, valid_from, valid_until, whose = COUPON_STATES[state]
    with tenant_scope(tenant_id), unit_of_work() as session:
        owner = customer_id if whose == "mine" else customers.find_or_create(
            session, openid=new_id("oid"), provider="dev").id
        template_id, coupon_id = new_id("cpt"), new_id("cpn")
        session.execute(insert(CouponTemplate), [{
            "tenant_id": tenant_id, "id": template_id, "name": "10 off", "kind": "amount_off", "amount_off": 1000,
            "min_spend": 0, "claimable": True, "issued_count": 1, "created_at": NOW - 9 * DAY}])
        session.execute(insert(Coupon), [{
            "tenant_id": tenant_id, "id": coupon_id, "template_id": template_id, "customer_id": owner,
            "status": status, "source": "grant", "created_at": NOW - 9 * DAY,
            "order_id": "ord_other" if status != "available" else None,
            "valid_from": None if valid_from is None else NOW + valid_from * DAY,
            "valid_until": None if valid_until is None else NOW + valid_until * DAY}])
    return coupon_id


def coupon_row(session, coupon_id: str):
    return session.execute(select(Coupon.status, Coupon.order_id, Coupon.locked_at)
                           .where(Coupon.id == coupon_id)).one()


@_SETTINGS
@given(given_lots=lots, points=st.integers(1, 60), held=st.integers(0, 30),
       state=st.one_of(st.just("available"), st.sampled_from(list(COUPON_STATES))))
def test_the_coupon_and_points_in_one_statement_leave_what_the_two_steps_leave(customer, given_lots, points, held,
                                                                                state):
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, given_lots, held=held)
    coupon_id = arrange_coupon(tenant_id, customer_id, state)
    terms = {"customer_id": customer_id, "order_id": "ord_1", "coupon_id": coupon_id, "points": points}

    outcomes = []
    for one_statement in (True, False):  # the facade's one statement; its steps, as on other databases
        with rolled_back(tenant_id) as session:
            try:
                if one_statement:
                    checkout.hold_for_order(session, **terms)
                else:
                    coupons.lock_for_order(session, customer_id=customer_id, coupon_id=coupon_id, order_id="ord_1")
                    spending.hold_by_wallet(session, customer_id=customer_id, order_id="ord_1", points=points)
            except (CouponNotApplicable, InsufficientPoints) as refusal:
                outcomes.append(type(refusal))
            else:
                outcomes.append((rows(session, customer_id), coupon_row(session, coupon_id)))
    event(f"outcome: {outcomes[0] if isinstance(outcomes[0], type) else 'held'}")

    assert outcomes[0] == outcomes[1]


def without_new_ids(found: dict, arranged: set[str]) -> dict:
    """The rows with the ids a path made itself (each path makes its own) replaced by "new"."""
    def same(lot_id):
        return lot_id if lot_id is None or lot_id in arranged else "new"
    return {**found, "lots": [(same(lot_id), *rest) for lot_id, *rest in found["lots"]],
            "entries": [(*head, same(lot_id), *rest) for *head, lot_id, draws, reason, available, expires, created
                        in found["entries"] for rest in [(draws, reason, available, expires, created)]]}


@_SETTINGS
@given(given_lots=lots, held=st.integers(0, 30), hold=st.one_of(st.none(), st.integers(1, 30)),
       status=st.sampled_from(["held", "held", "spent"]), debt=st.sampled_from([0, 0, 7]),
       paid=st.sampled_from([0, 99, 5_000, 5_000, 5_000]), earned_before=st.booleans(),
       points_used=st.sampled_from([True, True, True, False]))
def test_the_paid_orders_settlement_and_earning_in_one_statement_leave_what_the_two_steps_leave(
        customer, given_lots, held, hold, status, debt, paid, earned_before, points_used):
    tenant_id, customer_id = customer
    arrange(tenant_id, customer_id, given_lots, held=held + (hold or 0), hold=hold)
    with tenant_scope(tenant_id), unit_of_work() as session:
        session.execute(update(PointsAccount).where(PointsAccount.customer_id == customer_id).values(debt=debt))
        if hold is not None:
            session.execute(update(PointsHold).where(PointsHold.order_id == "ord_paid").values(status=status))
        if earned_before:
            session.execute(insert(PointsEntry), [{
                "tenant_id": tenant_id, "id": new_id("pte"), "customer_id": customer_id, "kind": "earn", "points": 3,
                "source": "order:ord_paid:earn", "order_id": "ord_paid", "created_at": NOW - DAY}])
    order = {"customer_id": customer_id, "order_id": "ord_paid", "paid": paid, "currency": "CNY"}
    arranged = {f"plt_{lot[0]}" for lot in given_lots}
    event(f"one statement: {points_used and paid >= 100}, owing: {debt > 0}, hold: {hold and status}")

    with rolled_back(tenant_id) as session:
        points.settle_paid_order(session, points_used=points_used, **order)
        fast = without_new_ids(rows(session, customer_id), arranged)
    with rolled_back(tenant_id) as session:
        if points_used:
            spending._settle_by_wallet(session, customer_id=customer_id, order_id="ord_paid")
        points.earn_for_orders(session, [points.PaidOrder(**order)], entries=False)
        general = without_new_ids(rows(session, customer_id), arranged)

    assert fast == general
