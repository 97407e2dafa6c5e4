"""Compile a parsed rule (loyalty/segments/language.py) into ONE SQL query over the facts subquery.

Members are never evaluated customer by customer in Python: `members` is a single SELECT of customer ids
whose WHERE clause is the rule. Day counts compare timestamps with cut-offs computed once (whole days since
`x` >= n  <=>  x <= now - n days), so the same SQL runs on PostgreSQL and SQLite and uses plain columns.
A customer without a paid order has no `last_paid_days`: every condition on it is false.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, Subquery, and_, exists, false, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from loyalty.segments.facts import ORDERS, POINTS, PROFILE, customer_facts
from loyalty.segments.language import Condition, Group, conditions
from loyalty.segments.models import CustomerTag
from loyalty.segments.rules import DAY, Thresholds

_NEEDS = {"stage": PROFILE, "is_distributor": PROFILE, "paid_orders": ORDERS, "net_spend": ORDERS,
          "last_paid_days": ORDERS, "points_balance": POINTS}
_DAY_FIELDS = {"last_paid_days": "last_paid_at", "registered_days": "registered_at"}
_MAX_DAYS = 700_000


def needs(rule: Group) -> set[str]:
    """Which parts of the facts a rule reads."""
    return {_NEEDS[condition.field] for condition in conditions(rule) if condition.field in _NEEDS}


def members(rule: Group, *, tenant_id: str, now: datetime, thresholds: Thresholds) -> Select:
    """SELECT customer_id of every customer the rule matches (ordered by nothing: callers add order/limits)."""
    facts = customer_facts(tenant_id=tenant_id, now=now, thresholds=thresholds, needs=needs(rule))
    return select(facts.c.customer_id).where(compile_rule(rule, facts, tenant_id=tenant_id, now=now))


def compile_rule(rule: Group, facts: Subquery, *, tenant_id: str, now: datetime) -> ColumnElement[bool]:
    parts = [compile_rule(item, facts, tenant_id=tenant_id, now=now) if isinstance(item, Group)
             else _condition(item, facts, tenant_id=tenant_id, now=now) for item in rule.items]
    return and_(true(), *parts) if rule.kind == "all" else or_(false(), *parts)


def _condition(condition: Condition, facts: Subquery, *, tenant_id: str, now: datetime) -> ColumnElement[bool]:
    field, op, value = condition.field, condition.op, condition.value
    if field == "tag":
        has_tag = exists().where(CustomerTag.tenant_id == tenant_id, CustomerTag.tag_id == value,
                                 CustomerTag.customer_id == facts.c.customer_id)
        return has_tag if op == "eq" else not_(has_tag)
    if field in _DAY_FIELDS:
        column = facts.c[_DAY_FIELDS[field]]
        return and_(column.is_not(None), _days_since(column, op, value, now))
    column = facts.c[field]
    if op == "in":
        return column.in_(list(value))
    return _compare(column, op, value)


def _compare(column, op: str, value) -> ColumnElement[bool]:
    return {"eq": lambda: column == value, "ne": lambda: column != value, "gt": lambda: column > value,
            "gte": lambda: column >= value, "lt": lambda: column < value, "lte": lambda: column <= value}[op]()


def _days_since(column, op: str, value, now: datetime) -> ColumnElement[bool]:
    """`whole days since column <op> value`, as comparisons of the column with instants."""

    def cut(days: int) -> datetime:  # whole days since x >= days  <=>  x <= cut(days)
        # Beyond ~1900 years every stored instant is later anyway; clamping keeps the arithmetic in range.
        return now - min(days, _MAX_DAYS) * DAY

    def equals(days: int) -> ColumnElement[bool]:
        return and_(column <= cut(days), column > cut(days + 1))

    if op == "in":
        return or_(*[equals(days) for days in value])
    return {
        "eq": lambda: equals(value),
        "ne": lambda: not_(equals(value)),
        "gte": lambda: column <= cut(value),
        "gt": lambda: column <= cut(value + 1),
        "lt": lambda: column > cut(value),
        "lte": lambda: column > cut(value + 1),
    }[op]()
