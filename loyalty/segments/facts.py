"""The per-customer facts every lifecycle stage, RFM score and rule is computed from, as ONE SQL subquery.

One row per customer of the tenant: its registration, whether it was referred, what its paid orders add
up to (from loyalty's own mirror of them, loyalty/segments/models.py: only orders not refunded in full
count), its stored stage and distributor flag, and its spendable points. Only the parts a caller needs
are joined (`needs`), so a rule on `stage` alone never aggregates orders or points.

Built from ORM entities, so in a request the tenancy hook scopes it too; it also names `tenant_id`
itself in every part, because set-based jobs embed it in INSERT … SELECT and UPDATE … FROM statements,
where the hook does not reach, and because the planner needs it to use each table's tenant index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Subquery, and_, case, false, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from loyalty.points import service as points
from loyalty.segments.models import CustomerProfile, SegmentOrder
from loyalty.segments.rules import Thresholds, stage_rules
from tenants.customers.models import Customer

ORDERS, PROFILE, POINTS = "orders", "profile", "points"
EVERYTHING = frozenset({ORDERS, PROFILE, POINTS})


def paid_orders(*, tenant_id: str, window_start: datetime, customer_ids: Iterable[str] | None = None) -> Subquery:
    """Per customer with a paid order not refunded in full: how many, net spend, the last one, and how many
    and how much since `window_start`."""
    net = SegmentOrder.paid_amount - SegmentOrder.refunded_total
    in_window = SegmentOrder.paid_at >= window_start
    query = (
        select(SegmentOrder.customer_id, func.count().label("paid_orders"), func.sum(net).label("net_spend"),
               func.max(SegmentOrder.paid_at).label("last_paid_at"),
               func.sum(case((in_window, 1), else_=0)).label("window_orders"),
               func.sum(case((in_window, net), else_=0)).label("window_spend"))
        .where(SegmentOrder.tenant_id == tenant_id, SegmentOrder.fully_refunded.is_(False))
        .group_by(SegmentOrder.customer_id)
    )
    if customer_ids is not None:
        query = query.where(SegmentOrder.customer_id.in_(list(customer_ids)))
    return query.subquery("paid")


def customer_facts(*, tenant_id: str, now: datetime, thresholds: Thresholds, needs: Iterable[str] = EVERYTHING,
                   customer_ids: Iterable[str] | None = None) -> Subquery:
    """The facts subquery, one row per customer (of `customer_ids` only, if given)."""
    needs = set(needs)
    customer_ids = None if customer_ids is None else list(customer_ids)
    columns = [Customer.id.label("customer_id"), Customer.created_at.label("registered_at"),
               (Customer.referred_by.is_not(None)).label("referred")]
    query = select().select_from(Customer).where(Customer.tenant_id == tenant_id)
    if customer_ids is not None:
        query = query.where(Customer.id.in_(customer_ids))
    if ORDERS in needs:
        paid = paid_orders(tenant_id=tenant_id, window_start=thresholds.window_start(now), customer_ids=customer_ids)
        query = query.outerjoin(paid, paid.c.customer_id == Customer.id)
        columns += [func.coalesce(paid.c.paid_orders, 0).label("paid_orders"),
                    func.coalesce(paid.c.net_spend, 0).label("net_spend"),
                    paid.c.last_paid_at,
                    func.coalesce(paid.c.window_orders, 0).label("window_orders"),
                    func.coalesce(paid.c.window_spend, 0).label("window_spend")]
    if PROFILE in needs:
        query = query.outerjoin(CustomerProfile, and_(CustomerProfile.tenant_id == tenant_id,
                                                      CustomerProfile.customer_id == Customer.id))
        columns += [func.coalesce(CustomerProfile.stage, literal("prospect")).label("stage"),
                    func.coalesce(CustomerProfile.stage_since, Customer.created_at).label("stage_since"),
                    func.coalesce(CustomerProfile.is_distributor, false()).label("is_distributor"),
                    CustomerProfile.r, CustomerProfile.f, CustomerProfile.m,
                    CustomerProfile.updated_at.label("profile_updated_at")]
    if POINTS in needs:
        balances = points.spendable_by_customer(tenant_id=tenant_id, now=now)
        query = query.outerjoin(balances, balances.c.customer_id == Customer.id)
        columns.append(func.coalesce(balances.c.balance, 0).label("points_balance"))
    return query.add_columns(*columns).subquery("facts")


def stage_case(facts: Subquery, *, thresholds: Thresholds, now: datetime) -> ColumnElement[str]:
    """The stage rules (loyalty/segments/rules.py) as one CASE over the facts: the first that holds."""
    *ruled, otherwise = stage_rules(thresholds, now)
    whens = []
    for rule in ruled:
        column = facts.c[rule.fact]
        test = {"eq": column == rule.bound, "lt": column < rule.bound, "gte": column >= rule.bound}[rule.op]
        whens.append((test, literal(rule.stage)))
    return case(*whens, else_=literal(otherwise.stage))
