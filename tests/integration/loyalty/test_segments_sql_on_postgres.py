"""Segments' SQL on PostgreSQL against its Python references, on data Hypothesis draws: the rule compiler
against a rule evaluator written here from the contract, the set-based stage refresh against
loyalty/segments/rules.py, and the RFM scores against rules.quintile_scores.

The data are loyalty's own facts (its mirror of paid orders, profiles, points lots, tags), written
directly: what is under test is the SQL that reads them (the event path is tested over HTTP with real
orders in tests/api/loyalty/segments/).
"""

from __future__ import annotations

import operator
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core import clock
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.points.models import PointsLot
from loyalty.segments import service
from loyalty.segments.language import FIELDS, Group, parse
from loyalty.segments.models import CustomerProfile, CustomerTag, SegmentOrder, Tag
from loyalty.segments.rules import DAY, STAGES, StageFacts, Thresholds, quintile_scores, stage_for, stage_started_at
from loyalty.segments.service.rules import members
from tenants.customers.models import Customer
from tenants.platform import service as platform

pytestmark = pytest.mark.integration
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
THRESHOLDS = Thresholds()  # the defaults: every tenant here keeps them


@dataclass
class Person:
    registered_days: int
    orders: list[tuple[int, int, int, bool]]  # (days ago, paid, refunded, fully refunded)
    stored_stage: str | None
    is_distributor: bool
    referred: bool
    points: list[tuple[int, int | None, int]]  # (available in days, expires in days, remaining)
    tags: set[int] = field(default_factory=set)


# Small numbers often, so rules' values land on the crowd's figures and every boundary is tried.
days = st.integers(0, 4) | st.integers(0, 400)
amounts = st.sampled_from([100, 200, 300]) | st.integers(1, 50_000)
people = st.builds(
    Person,
    registered_days=days | st.integers(0, 900),
    orders=st.lists(st.tuples(days, amounts, st.integers(0, 300) | st.integers(0, 50_000), st.booleans()),
                    max_size=5).map(lambda orders: [(d, p, min(r, p), f) for d, p, r, f in orders]),
    stored_stage=st.none() | st.sampled_from(STAGES),
    is_distributor=st.booleans(),
    referred=st.booleans(),
    points=st.lists(st.tuples(st.integers(-5, 5), st.none() | st.integers(-5, 30), st.integers(1, 500)), max_size=3),
    tags=st.sets(st.integers(0, 1)),
)


class World:
    """A fresh tenant holding the people drawn, written straight into loyalty's tables."""

    def __init__(self, crowd: list[Person]):
        self.now = clock.now()
        with unit_of_work() as session:
            self.tenant_id = platform.create_tenant(session, name="SQL", slug=f"sql-{uuid.uuid4().hex[:10]}")["id"]
        self.crowd = {f"cus_{n:03d}": person for n, person in enumerate(crowd)}
        with unit_of_work() as session, tenant_scope(self.tenant_id):
            self.tags = [f"tag_{n}" for n in range(2)]
            session.add_all(Tag(id=tag, name=tag, kind="manual", created_at=self.now) for tag in self.tags)
            for customer_id, person in self.crowd.items():
                self._add(session, customer_id, person)

    def _add(self, session, customer_id: str, person: Person) -> None:
        now = self.now
        session.add(Customer(id=customer_id, openid=customer_id, provider="dev",
                             created_at=now - person.registered_days * DAY,
                             referred_by="cus_000" if person.referred else None))
        session.flush()
        for n, (days_ago, paid, refunded, full) in enumerate(person.orders):
            session.add(SegmentOrder(order_id=f"ord_{customer_id}_{n}", customer_id=customer_id, paid_amount=paid,
                                     refunded_total=paid if full else refunded, fully_refunded=full,
                                     paid_at=now - days_ago * DAY - timedelta(minutes=n), updated_at=now))
        if person.stored_stage is not None or person.is_distributor:
            session.add(CustomerProfile(customer_id=customer_id, stage=person.stored_stage or "prospect",
                                        stage_since=now - 3 * DAY, is_distributor=person.is_distributor,
                                        updated_at=now - 3 * DAY))
        for n, (available, expires, remaining) in enumerate(person.points):
            session.add(PointsLot(id=f"plt_{customer_id}_{n}", customer_id=customer_id, entry_id="pte_x",
                                  points=remaining, remaining=remaining, expired=0, available_at=now + available * DAY,
                                  expires_at=None if expires is None else now + expires * DAY, created_at=now))
        for tag in person.tags:
            session.add(CustomerTag(tag_id=self.tags[tag], customer_id=customer_id, created_at=now))

    def session(self):
        return _Scoped(self.tenant_id, self.now)

    # What each person is, computed here from what was drawn (the contract's definitions).
    def counted(self, person: Person) -> list[tuple[int, int, int, bool]]:
        return [o for o in person.orders if not o[3]]

    def last_paid_at(self, customer_id: str) -> datetime | None:
        orders = [(days_ago, n) for n, (days_ago, *_rest, full) in enumerate(self.crowd[customer_id].orders)
                  if not full]
        if not orders:
            return None
        days_ago, n = min(orders)
        return self.now - days_ago * DAY - timedelta(minutes=n)

    def value(self, customer_id: str, field_name: str):
        person, now = self.crowd[customer_id], self.now
        counted = self.counted(person)
        if field_name == "stage":
            return person.stored_stage or "prospect"
        if field_name == "paid_orders":
            return len(counted)
        if field_name == "net_spend":
            return sum(paid - refunded for _d, paid, refunded, _f in counted)
        if field_name == "last_paid_days":
            last = self.last_paid_at(customer_id)
            return None if last is None else (now - last) // DAY
        if field_name == "registered_days":
            return person.registered_days
        if field_name == "points_balance":
            return sum(r for a, e, r in person.points if a <= 0 and (e is None or e > 0))
        if field_name == "is_distributor":
            return person.is_distributor
        if field_name == "referred":
            return person.referred
        raise AssertionError(field_name)

    def matches(self, customer_id: str, rule) -> bool:
        if isinstance(rule, Group):
            results = [self.matches(customer_id, item) for item in rule.items]
            return all(results) if rule.kind == "all" else any(results)
        if rule.field == "tag":
            held = rule.value in {self.tags[t] for t in self.crowd[customer_id].tags}
            return held if rule.op == "eq" else not held
        value = self.value(customer_id, rule.field)
        if value is None:
            return False  # no paid order: every condition on last_paid_days is false
        if rule.op == "in":
            return value in rule.value
        return COMPARE[rule.op](value, rule.value)


COMPARE = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
           "lte": operator.le}


class _Scoped:
    """A unit of work in the world's tenant, with the clock stopped at the instant the world was drawn for,
    so an order drawn exactly 180 days old is exactly 180 days old to the SQL too."""

    def __init__(self, tenant_id, now):
        self.tenant_id, self.now = tenant_id, now

    def __enter__(self):
        self._stack = ExitStack()
        self._stack.enter_context(mock.patch.object(clock, "now", return_value=self.now))
        session = self._stack.enter_context(unit_of_work())
        self._stack.enter_context(tenant_scope(self.tenant_id))
        return session

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)


def condition_values(kind: str):
    return {"number": st.integers(0, 4) | st.sampled_from([100, 200, 300]) | st.integers(0, 400),
            "stage": st.sampled_from(STAGES), "tag": st.sampled_from(["tag_0", "tag_1"]),
            "boolean": st.booleans()}[kind]


@st.composite
def conditions(draw):
    name = draw(st.sampled_from(sorted(FIELDS)))
    spec = FIELDS[name]
    op = draw(st.sampled_from(spec.ops))
    values = condition_values(spec.kind)
    value = draw(st.lists(values, min_size=1, max_size=4)) if op == "in" else draw(values)
    return {"field": name, "op": op, "value": value}


rules = st.recursive(
    st.builds(lambda kind, items: {kind: items}, st.sampled_from(["all", "any"]), st.lists(conditions(), min_size=1,
                                                                                            max_size=3)),
    lambda inner: st.builds(lambda kind, items: {kind: items}, st.sampled_from(["all", "any"]),
                            st.lists(inner | conditions(), min_size=1, max_size=3)),
    max_leaves=6,
)


@EXAMPLES
@given(crowd=st.lists(people, min_size=1, max_size=8), rule=rules)
def test_a_compiled_rule_selects_exactly_the_customers_the_contract_says(app, crowd, rule):
    world = World(crowd)
    parsed = parse(rule, known_tags=set(world.tags))

    with world.session() as session:
        selected = set(session.scalars(members(session, rule=parsed)))

    assert selected == {c for c in world.crowd if world.matches(c, parsed)}, rule


@EXAMPLES
@given(crowd=st.lists(people, min_size=1, max_size=8))
def test_the_set_based_refresh_gives_every_customer_the_stage_the_rules_give(app, crowd, stage_events):
    world = World(crowd)

    with world.session() as session:
        changes = service.refresh_stages(session)
        stored = {p.customer_id: p for p in session.scalars(select(CustomerProfile))}

    expected_changes = {}
    for customer_id, person in world.crowd.items():
        counted = world.counted(person)
        last = world.last_paid_at(customer_id)
        window = sum(1 for n, (days_ago, *_r, full) in enumerate(person.orders)
                     if not full and world.now - days_ago * DAY - timedelta(minutes=n) >= THRESHOLDS.window_start(
                         world.now))
        facts = StageFacts(len(counted), last, window, world.now - person.registered_days * DAY)
        stage = stage_for(facts, THRESHOLDS, world.now)
        profile = stored.get(customer_id)
        assert (profile.stage if profile else "prospect") == stage, customer_id
        if stage != (person.stored_stage or "prospect"):
            expected_changes[customer_id] = (stage, stage_started_at(stage, facts, THRESHOLDS, world.now))
    assert {c.customer_id: c.stage for c in changes} == {c: s for c, (s, _since) in expected_changes.items()}
    for change in changes:
        assert abs(change.since - expected_changes[change.customer_id][1]) < timedelta(seconds=1)
        assert stored[change.customer_id].stage_since == change.since
    assert sorted((e.customer_id, e.stage) for e in stage_events if e.tenant_id == world.tenant_id) == sorted(
        (c, s) for c, (s, _since) in expected_changes.items())


@EXAMPLES
@given(crowd=st.lists(people, min_size=1, max_size=12))
def test_rfm_scores_are_quintiles_within_the_tenant_as_the_reference_computes_them(app, crowd):
    world = World([p for p in crowd])

    with world.session() as session:
        service.refresh_stages(session)
        service.refresh_scores(session)
        stored = {p.customer_id: (p.r, p.f, p.m) for p in session.scalars(select(CustomerProfile))}

    window_start = THRESHOLDS.window_start(world.now)
    scored = {c: p for c, p in world.crowd.items() if world.counted(p)}
    in_window = {c: [(paid - refunded) for n, (d, paid, refunded, full) in enumerate(p.orders)
                     if not full and world.now - d * DAY - timedelta(minutes=n) >= window_start]
                 for c, p in scored.items()}
    r = quintile_scores({c: world.last_paid_at(c) for c in scored})
    f = quintile_scores({c: len(in_window[c]) for c in scored})
    m = quintile_scores({c: sum(in_window[c]) for c in scored})
    for customer_id in world.crowd:
        expected = (r[customer_id], f[customer_id], m[customer_id]) if customer_id in scored else (None, None, None)
        assert stored.get(customer_id, (None, None, None)) == expected, customer_id


@pytest.mark.parametrize("name", ["last_paid_days", "registered_days"])
def test_day_counts_are_whole_days_at_every_boundary_for_every_op(app, name):
    crowd = [Person(registered_days=d, orders=[(d, 100, 0, False)], stored_stage=None, is_distributor=False,
                    referred=False, points=[]) for d in range(4)]
    crowd.append(Person(registered_days=9, orders=[], stored_stage=None, is_distributor=False, referred=False,
                        points=[]))  # no paid order: false for every condition on last_paid_days
    world = World(crowd)

    for op in FIELDS[name].ops:
        for value in ([[1], [0, 3], [2, 9]] if op == "in" else range(5)):
            parsed = parse({"all": [{"field": name, "op": op, "value": value}]}, known_tags=set())
            with world.session() as session:
                selected = set(session.scalars(members(session, rule=parsed)))
            assert selected == {c for c in world.crowd if world.matches(c, parsed)}, (op, value)
