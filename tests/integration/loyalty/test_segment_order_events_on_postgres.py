"""An order event's one statement on PostgreSQL (loyalty/segments/service/order_events.py) against the two steps it
replaced (record the order, then refresh the customer's stage), on data Hypothesis draws: the same mirrored
orders, the same profiles (stage, since, when written) and the same CustomerStageChanged events, for a new
payment, a second delivery of one, refunds and after-sales closings, of known orders and of unknown ones; and
for customers with more orders than the statement reads (it reads only the latest few the tenant's thresholds
can tell apart), under thresholds of every size.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from loyalty.segments import service
from loyalty.segments.models import CustomerProfile, SegmentOrder
from loyalty.segments.service import order_events
from tenants.settings import service as settings_service
from tests.integration.loyalty.test_segments_sql_on_postgres import EXAMPLES, Person, World, people

pytestmark = pytest.mark.integration

# (kind, which order of the customer: its index among those drawn, or None for one never recorded, amounts)
# (small amounts often, so they land on the drawn orders' own figures)
order = st.none() | st.integers(0, 1) | st.integers(0, 4)
amount = st.sampled_from([0, 100, 200, 300]) | st.integers(0, 50_000)
order_event = st.one_of(
    st.tuples(st.just("paid"), order, amount.filter(bool)),
    st.tuples(st.just("refunded"), order, amount, st.booleans()),
    st.tuples(st.just("final"), order, amount),
)


@settings(EXAMPLES, max_examples=150)
@given(crowd=st.lists(people, min_size=1, max_size=4), who=st.integers(0, 3), event=order_event)
def test_an_order_event_in_one_statement_leaves_what_the_two_steps_leave(app, crowd, who, event, stage_events):
    world = World(crowd)
    customer_id = sorted(world.crowd)[who % len(world.crowd)]
    kind, index, *amounts = event
    known = index is not None and index < len(world.crowd[customer_id].orders)
    order_id = f"ord_{customer_id}_{index}" if known else "ord_new"

    with world.session() as session:
        _assert_one_statement_leaves_what_the_two_steps_leave(session, stage_events, kind, order_id, customer_id,
                                                              amounts)


# Many orders, mostly inside the loyal window or just past it, some refunded in full: the latest few decide.
many_orders = st.lists(st.tuples(st.integers(0, 3) | st.integers(170, 200), st.sampled_from([100, 200]),
                                 st.booleans()),
                       min_size=3, max_size=14)


@settings(EXAMPLES, max_examples=100)
@given(orders=many_orders, loyal_orders=st.integers(1, 8), stored_stage=st.none() | st.sampled_from(["new", "loyal"]),
       event=order_event)
def test_a_customer_with_more_orders_than_the_statement_reads_gets_the_stage_the_two_steps_give(
        app, orders, loyal_orders, stored_stage, event, stage_events):
    person = Person(registered_days=400, orders=[(d, p, p if full else 0, full) for d, p, full in orders],
                    stored_stage=stored_stage, is_distributor=False, referred=False, points=[])
    world = World([person])
    customer_id = next(iter(world.crowd))
    kind, index, *amounts = event
    order_id = f"ord_{customer_id}_{index}" if index is not None and index < len(orders) else "ord_new"

    with world.session() as session:
        settings_service.update(session, patch={"lifecycle": {"loyal_orders": loyal_orders}})
        session.flush()
        _assert_one_statement_leaves_what_the_two_steps_leave(session, stage_events, kind, order_id, customer_id,
                                                              amounts)


def _assert_one_statement_leaves_what_the_two_steps_leave(session, stage_events, kind, order_id, customer_id,
                                                          amounts):
    stage_events.clear()  # (events of an earlier example that failed)
    savepoint = session.begin_nested()
    one_statement = _deliver(session, kind, order_id, customer_id, amounts, in_one_statement=True)
    published_by_one = _published(stage_events)
    savepoint.rollback()
    two_steps = _deliver(session, kind, order_id, customer_id, amounts, in_one_statement=False)
    published_by_two = _published(stage_events)

    assert one_statement == two_steps
    assert published_by_one == published_by_two


def _deliver(session, kind, order_id, customer_id, amounts, *, in_one_statement: bool):
    if in_one_statement:
        {"paid": lambda: order_events.paid(session, order_id=order_id, customer_id=customer_id,
                                           amount=amounts[0], coupon_id=None),
         "refunded": lambda: order_events.refunded(session, order_id=order_id, customer_id=customer_id,
                                                   refunded_total=amounts[0], fully_refunded=amounts[1]),
         "final": lambda: order_events.final(session, order_id=order_id, customer_id=customer_id,
                                             net_amount=amounts[0])}[kind]()
    else:
        recorded = {"paid": lambda: service.record_paid(session, order_id=order_id, customer_id=customer_id,
                                                        amount=amounts[0], coupon_id=None),
                    "refunded": lambda: service.record_refunded(session, order_id=order_id,
                                                                refunded_total=amounts[0],
                                                                fully_refunded=amounts[1]),
                    "final": lambda: service.record_final(session, order_id=order_id, net_amount=amounts[0])}[kind]()
        if recorded:
            service.refresh_stages(session, customer_ids=[customer_id])
    orders = session.execute(select(SegmentOrder.order_id, SegmentOrder.customer_id, SegmentOrder.paid_amount,
                                    SegmentOrder.refunded_total, SegmentOrder.fully_refunded, SegmentOrder.paid_at,
                                    SegmentOrder.updated_at).order_by(SegmentOrder.order_id)).all()
    profiles = session.execute(select(CustomerProfile.customer_id, CustomerProfile.stage, CustomerProfile.stage_since,
                                      CustomerProfile.updated_at).order_by(CustomerProfile.customer_id)).all()
    return orders, profiles


def _published(seen: list) -> list[tuple]:
    published = [(e.tenant_id, e.customer_id, e.previous_stage, e.stage, e.since) for e in seen]
    seen.clear()
    return published
