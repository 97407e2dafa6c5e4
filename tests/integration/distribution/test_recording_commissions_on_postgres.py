"""Recording commissions on PostgreSQL (shop/distribution/service/commissions.py).

The one-statement path (the chain and the overrides in one read; the commissions and their accrual in one
INSERT, no savepoint) leaves exactly the rows the general path leaves, whatever the rules, statuses, bindings
and overrides (Hypothesis); and one order recorded twice, or by several transactions at once (real threads),
has each commission once and one accrual posting that pays exactly those commissions.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core import clock
from core.db import unit_of_work
from core.events import LineAmount
from core.ids import new_id
from core.tenancy import tenant_scope
from shop.distribution.accounts import EXPENSE
from shop.distribution.service import commissions
from tests.api.distribution.builders import approved_distributor, bound_to, enable, product
from tests.support.waiting import lock_waiters, wait_until

pytestmark = pytest.mark.integration


class _Discard(Exception):
    """Raised at the end of a unit of work to roll it back: each run starts from the same committed world."""


@pytest.fixture
def world(tenant):
    """alice <- bob <- carol (each bound to the one before, each with an approved account), three products."""
    enable(tenant, levels=2, level1_rate="0.10", level2_rate="0.05")
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    carol = approved_distributor(tenant, bound_to(tenant, bob))
    products = [product(tenant, 1000)[0]["id"] for _ in range(3)]
    return SimpleNamespace(tenant_id=tenant.id, alice=alice, bob=bob, carol=carol, products=products)


# ---------------------------------------------------------------------------------------------------------------
# The one-statement path against the general path

# Rates of 0, tiny lines and expired bindings pay nothing: drawn, but less often than Hypothesis's taste for the
# smallest values would draw them.
_RATES = (st.sampled_from(["0", "0.01", "0.05", "0.1", "0.125", "0.3333", "1"])
          | st.integers(0, 10_000).map(lambda n: str(Decimal(n) / 10_000))).map(Decimal)
_AMOUNTS = st.sampled_from([0, 1, 999, 1000, 1999, 49_999]) | st.integers(500, 50_000)
_EXPIRED = st.sampled_from([False, False, False, True])
_OVERRIDES = st.fixed_dictionaries({}, optional={
    "level1_rate": _RATES.map(str), "level2_rate": _RATES.map(str),
    "level1_amount": st.integers(0, 300), "level2_amount": st.integers(0, 300)})


@st.composite
def _cases(draw):
    return SimpleNamespace(
        rules={"levels": draw(st.sampled_from([1, 2])), "self_purchase": draw(st.booleans()),
               "who": draw(st.sampled_from(["approved", "everyone"])),
               "level1_rate": draw(_RATES), "level2_rate": draw(_RATES)},
        statuses={"carol": draw(st.sampled_from(["none", "pending", "approved", "suspended"])),
                  "bob": draw(st.sampled_from(["approved", "suspended"])),
                  "alice": draw(st.sampled_from(["approved", "suspended"]))},
        expired={"carol": draw(_EXPIRED), "bob": draw(_EXPIRED)},
        overrides=[draw(st.none() | _OVERRIDES) for _ in range(3)],
        lines=draw(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 5), st.integers(0, 50_000)),
                            min_size=1, max_size=4)),
        twice=draw(st.booleans()),
        leader=draw(st.none() | st.tuples(_RATES, st.integers(0, 100))),
    )


def _arrange(session, world, case) -> None:
    """The case's statuses, binding expiries and overrides, in the run's own transaction."""
    tenant = {"tenant_id": world.tenant_id}
    for name, status in case.statuses.items():
        session.execute(text("UPDATE distributors SET status = :status WHERE tenant_id = :tenant_id AND id = :id"),
                        {**tenant, "status": status, "id": getattr(world, name).distributor_id})
    for name, expired in case.expired.items():
        session.execute(text("UPDATE distribution_bindings SET expires_at = :at "
                             "WHERE tenant_id = :tenant_id AND customer_id = :customer_id"),
                        {**tenant, "customer_id": getattr(world, name).customer_id,
                         "at": clock.now() + timedelta(days=-1 if expired else 1)})
    for product_id, override in zip(world.products, case.overrides, strict=True):
        session.execute(text("UPDATE products SET commission = CAST(:commission AS jsonb) "
                             "WHERE tenant_id = :tenant_id AND id = :id"),
                        {**tenant, "id": product_id, "commission": None if not override else json.dumps(override)})


def _outcome(session, world, order_id: str) -> dict:
    """What a run left: the order's commissions and its ledger transactions with their entries (ids and
    times aside, which differ by construction)."""
    bound = {"tenant_id": world.tenant_id, "order_id": order_id}
    rows = session.execute(text(
        "SELECT line_id, kind, level, distributor_id, customer_id, product_id, quantity, currency, base, net, rate, "
        "fixed_amount, amount, status FROM commissions WHERE tenant_id = :tenant_id AND order_id = :order_id "
        "ORDER BY line_id, kind, level"), bound).all()
    transactions = session.execute(text(
        "SELECT kind, key, reference FROM ledger_transactions WHERE tenant_id = :tenant_id AND reference = :order_id "
        "ORDER BY key"), bound).all()
    entries = session.execute(text(
        "SELECT t.key, e.account, e.currency, e.amount FROM ledger_transactions AS t JOIN ledger_entries AS e "
        "ON e.tenant_id = t.tenant_id AND e.transaction_id = t.id "
        "WHERE t.tenant_id = :tenant_id AND e.tenant_id = :tenant_id AND t.reference = :order_id "
        "ORDER BY t.key, e.account"), bound).all()
    return {"commissions": [tuple(row) for row in rows], "transactions": [tuple(row) for row in transactions],
            "entries": [tuple(row) for row in entries]}


def _run(world, case, *, fast: bool, order_id: str, lines: list[LineAmount]) -> tuple[list, dict]:
    rules = None
    answers = []
    with mock.patch.object(commissions, "_fast", lambda _session: fast):
        try:
            with unit_of_work() as session, tenant_scope(world.tenant_id):
                rules = {**commissions.distribution_rules(session), "enabled": True, **case.rules}
                with mock.patch.object(commissions, "distribution_rules", lambda _session: dict(rules)):
                    _arrange(session, world, case)
                    for _ in range(2 if case.twice else 1):
                        recorded = commissions.record_for_order(
                            session, order_id=order_id, customer_id=world.carol.customer_id, currency="CNY",
                            lines=lines)
                        answers.append(sorted((c.line_id, c.kind, c.level, c.amount) for c in recorded))
                        if case.leader is not None:
                            rate, percent = case.leader
                            recorded = commissions.record_leader_commission(
                                session, leader_customer_id=world.alice.customer_id, order_id=order_id,
                                customer_id=world.carol.customer_id, currency="CNY", lines=lines, rate=rate,
                                refunded={line.line_id: line.amount * percent // 100 for line in lines})
                            answers.append(sorted((c.line_id, c.kind, c.level, c.amount) for c in recorded))
                    left = _outcome(session, world, order_id)
                    raise _Discard
        except _Discard:
            pass
    return answers, left


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_cases())
def test_the_one_statement_path_leaves_the_rows_the_general_path_leaves(world, case):
    order_id = new_id("ord")
    lines = [LineAmount(line_id=new_id("oli"), product_id=world.products[index], sku_id=new_id("sku"),
                        quantity=quantity, amount=amount)
             for index, quantity, amount in case.lines]

    general = _run(world, case, fast=False, order_id=order_id, lines=lines)
    fast = _run(world, case, fast=True, order_id=order_id, lines=lines)

    assert fast == general
    event(f"commissions left: {'none' if not general[1]['commissions'] else 'some'}")
    event(f"levels paid: {sorted({row[2] for row in general[1]['commissions']})}")


def _case(levels=2, self_purchase=False, who="approved", carol="approved", bob="approved", alice="approved",
          carol_expired=False, bob_expired=False, overrides=(None, None, None), twice=False, leader=None):
    return SimpleNamespace(
        rules={"levels": levels, "self_purchase": self_purchase, "who": who, "level1_rate": Decimal("0.1"),
               "level2_rate": Decimal("0.05")},
        statuses={"carol": carol, "bob": bob, "alice": alice}, expired={"carol": carol_expired, "bob": bob_expired},
        overrides=list(overrides), lines=[(0, 2, 1999), (1, 1, 1000), (2, 3, 30_000)], twice=twice, leader=leader)


# Each way the chain or an override can change what is paid, once, beside what Hypothesis draws.
_TABLE = {
    "two levels": _case(),
    "one level": _case(levels=1),
    "buyer's binding expired": _case(carol_expired=True),
    "level one's binding expired": _case(bob_expired=True),
    "level one suspended": _case(bob="suspended"),
    "level two suspended": _case(alice="suspended"),
    "self purchase, approved": _case(self_purchase=True),
    "self purchase, suspended": _case(self_purchase=True, carol="suspended"),
    "self purchase, pending": _case(self_purchase=True, carol="pending"),
    "self purchase, everyone opens the account": _case(self_purchase=True, who="everyone", carol="none"),
    "self purchase, binding expired": _case(self_purchase=True, carol_expired=True),
    "overrides": _case(overrides=({"level1_amount": 150, "level2_amount": 0}, {"level1_rate": "0.2"},
                                  {"level2_rate": "0.3333", "level2_amount": 7})),
    "recorded twice": _case(twice=True),
    "with a group leader": _case(leader=(Decimal("0.03"), 40), twice=True),
}


@pytest.mark.parametrize("name", list(_TABLE))
def test_the_one_statement_path_leaves_the_rows_the_general_path_leaves_case_by_case(world, name):
    order_id = new_id("ord")
    lines = [LineAmount(line_id=new_id("oli"), product_id=world.products[index], sku_id=new_id("sku"),
                        quantity=quantity, amount=amount)
             for index, quantity, amount in _TABLE[name].lines]

    general = _run(world, _TABLE[name], fast=False, order_id=order_id, lines=lines)
    fast = _run(world, _TABLE[name], fast=True, order_id=order_id, lines=lines)

    assert fast == general
    assert general[1]["commissions"] or name == "buyer's binding expired"


# ---------------------------------------------------------------------------------------------------------------
# Twice, and at once


def _order(world) -> tuple[str, list[LineAmount]]:
    return new_id("ord"), [
        LineAmount(line_id=new_id("oli"), product_id=world.products[0], sku_id=new_id("sku"), quantity=2, amount=2000),
        LineAmount(line_id=new_id("oli"), product_id=world.products[1], sku_id=new_id("sku"), quantity=1, amount=999)]


def _record(world, order_id, lines, session=None) -> list:
    @contextmanager
    def transaction():
        if session is not None:
            yield session
            return
        with unit_of_work() as own, tenant_scope(world.tenant_id):
            yield own

    with transaction() as current:
        return commissions.record_for_order(current, order_id=order_id, customer_id=world.carol.customer_id,
                                            currency="CNY", lines=lines)


def _books(world, order_id) -> dict:
    with unit_of_work() as session, tenant_scope(world.tenant_id):
        left = _outcome(session, world, order_id)
    owed = defaultdict(int)
    for row in left["commissions"]:
        owed[f"distributor:{row[3]}:frozen"] -= row[12]
    return {**left, "owed": dict(owed)}


def _assert_recorded_once(world, order_id) -> None:
    """Four commissions (two lines x two levels), one accrual, and its entries pay exactly those commissions."""
    books = _books(world, order_id)
    assert [(row[0], row[2]) for row in books["commissions"]] == sorted(
        (line_id, level) for line_id in {row[0] for row in books["commissions"]} for level in (1, 2))
    assert len(books["commissions"]) == 4
    assert books["transactions"] == [("commission.accrual", f"accrual:sale:{order_id}", order_id)]
    entries = {account: amount for _key, account, _currency, amount in books["entries"]}
    expense = entries.pop(EXPENSE)
    assert entries == books["owed"] and expense == -sum(books["owed"].values()) == 200 + 99 + 100 + 49


def _waiting_on_the_accrual(database_url: str) -> int:
    return len(lock_waiters(database_url, "%INSERT INTO ledger_transactions%"))


def test_an_order_recorded_twice_has_each_commission_and_its_accrual_once(world):
    order_id, lines = _order(world)

    first = _record(world, order_id, lines)
    again = _record(world, order_id, lines)

    assert len(first) == 4 and again == []
    _assert_recorded_once(world, order_id)


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
def test_transactions_recording_one_order_at_once_record_it_once(world, database_url, first_commits):
    """One transaction records the order and holds it open; four more try the same and wait on its accrual key.
    If it commits they record nothing; if it rolls back exactly one of them records everything."""
    order_id, lines = _order(world)
    answers, start = [None] * 4, threading.Barrier(4)

    def racer(i):
        start.wait()
        answers[i] = _record(world, order_id, lines)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(4)]
    try:
        with unit_of_work() as session, tenant_scope(world.tenant_id):
            held = _record(world, order_id, lines, session=session)
            for thread in threads:
                thread.start()
            assert wait_until(lambda: _waiting_on_the_accrual(database_url) == 4)
            if not first_commits:
                raise _Discard
    except _Discard:
        pass
    for thread in threads:
        thread.join(timeout=30)

    assert len(held) == 4
    recorded = [answer for answer in answers if answer]
    assert [len(answer) for answer in recorded] == ([] if first_commits else [4])
    assert answers.count([]) == (4 if first_commits else 3)
    _assert_recorded_once(world, order_id)


def test_threads_recording_one_order_at_once_record_it_once(world):
    """Eight threads at a barrier, nothing held: whoever wins, one set of commissions and one accrual."""
    for _ in range(3):
        order_id, lines = _order(world)
        answers, start = [None] * 8, threading.Barrier(8)

        def racer(i, order_id=order_id, lines=lines, answers=answers, start=start):
            start.wait()
            answers[i] = _record(world, order_id, lines)

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(len(answer) for answer in answers) == [0] * 7 + [4]
        _assert_recorded_once(world, order_id)


def test_a_commission_already_there_is_skipped_and_the_accrual_pays_only_what_was_recorded(world):
    """Not reachable through the services (a commission and its accrual are written together), but the
    statement's own guard: a row the INSERT skips on its unique key is not posted; the payment goes on."""
    order_id, lines = _order(world)
    with unit_of_work() as session, tenant_scope(world.tenant_id):
        session.execute(text(
            "INSERT INTO commissions (tenant_id, id, order_id, line_id, customer_id, distributor_id, level, kind, "
            "product_id, quantity, currency, base, net, rate, fixed_amount, amount, status, created_at) "
            "VALUES (:tenant_id, :id, :order_id, :line_id, :customer_id, :distributor_id, 1, 'sale', :product_id, "
            "2, 'CNY', 2000, 2000, '0.10', NULL, 200, 'frozen', now())"),
            {"tenant_id": world.tenant_id, "id": new_id("com"), "order_id": order_id, "line_id": lines[0].line_id,
             "customer_id": world.carol.customer_id, "distributor_id": world.bob.distributor_id,
             "product_id": lines[0].product_id})

    recorded = _record(world, order_id, lines)

    assert sorted((c.line_id, c.level) for c in recorded) == sorted(
        [(lines[0].line_id, 2), (lines[1].line_id, 1), (lines[1].line_id, 2)])
    books = _books(world, order_id)
    entries = {account: amount for _key, account, _currency, amount in books["entries"]}
    assert entries == {EXPENSE: 100 + 99 + 49, f"distributor:{world.bob.distributor_id}:frozen": -99,
                       f"distributor:{world.alice.distributor_id}:frozen": -(100 + 49)}
