"""An order event's write to the mirror of paid orders and the stage refresh of its customer, together.

They run inside the payment's (or refund's) transaction, so they are a hot path (issue 14). On PostgreSQL
each event is ONE statement whose text never changes, prepared once: the write is its first CTE, and the
stage is computed from what the write left. A statement's CTEs all see the same snapshot, taken before the
write, so the facts read the customer's other orders from the table and the written order from the write's
RETURNING. Of the other orders they read only the latest few that the rules' counts can tell apart
(`_counted`): a customer with thousands of paid orders costs a payment what one with a handful does (each
payment used to count them all). The stage rules come from loyalty/segments/rules.py (the CASE is rendered
from `stage_rules`, its bounds bound per call), as in the set-based refresh. A write that changed nothing (a
second delivery, an unknown order) refreshes nothing, as the two-step path does. Elsewhere (SQLite) the two
steps stay.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from core import clock, events
from core.db import UTCDateTime, returning
from core.driver import defer_on_driver, execute_on_driver
from core.tenancy import require_tenant_id
from loyalty.segments.rules import DAY, Thresholds, stage_rules
from loyalty.segments.service.lifecycle import StageChange, publish_changes, refresh_stages
from loyalty.segments.service.orders import record_final, record_paid, record_refunded
from loyalty.segments.settings import thresholds as lifecycle_thresholds

_SQL_OPERATORS = {"eq": "=", "lt": "<", "gte": ">="}
# The rules' structure (which fact, which operator, which stage) does not depend on the tenant or the time,
# only their bounds do: those are parameters.
_RULES = stage_rules(Thresholds(), datetime.now(UTC))
_STAGE_CASE = "CASE {} ELSE '{}' END".format(
    " ".join(f"WHEN {rule.fact} {_SQL_OPERATORS[rule.op]} :rule_{i} THEN '{rule.stage}'"
             for i, rule in enumerate(_RULES[:-1])),
    _RULES[-1].stage)

# `{write}` is an INSERT or UPDATE of segment_orders returning the row as it is now.
_WRITE_AND_REFRESH = """
WITH touched AS (
    {write}
    RETURNING order_id, customer_id, fully_refunded, paid_at
), orders AS (
    (SELECT paid_at FROM segment_orders
     WHERE tenant_id = :tenant_id AND customer_id = :customer_id AND NOT fully_refunded
       AND order_id NOT IN (SELECT order_id FROM touched)
     ORDER BY paid_at DESC LIMIT :counted)
    UNION ALL
    SELECT paid_at FROM touched WHERE customer_id = :customer_id AND NOT fully_refunded
), facts AS (
    SELECT customers.id AS customer_id, customers.created_at AS registered_at, paid.paid_orders,
           paid.last_paid_at, paid.window_orders, coalesce(customer_profiles.stage, 'prospect') AS previous_stage
    FROM customers
    CROSS JOIN (SELECT count(*) AS paid_orders, max(paid_at) AS last_paid_at,
                       count(*) FILTER (WHERE paid_at >= :window_start) AS window_orders FROM orders) AS paid
    LEFT JOIN customer_profiles
           ON customer_profiles.tenant_id = customers.tenant_id AND customer_profiles.customer_id = customers.id
    WHERE customers.tenant_id = :tenant_id AND customers.id = :customer_id AND EXISTS (SELECT FROM touched)
), changed AS (
    SELECT * FROM (SELECT facts.*, {stage_case} AS stage FROM facts) AS staged WHERE stage <> previous_stage
), written AS (
    INSERT INTO customer_profiles (tenant_id, customer_id, stage, stage_since, is_distributor, updated_at)
    SELECT :tenant_id, customer_id, stage,
           CASE stage WHEN 'prospect' THEN registered_at WHEN 'churned' THEN last_paid_at + :churned_after
                      WHEN 'dormant' THEN last_paid_at + :dormant_after ELSE :now END,
           false, :now
    FROM changed
    ON CONFLICT (tenant_id, customer_id) DO UPDATE
    SET stage = excluded.stage, stage_since = excluded.stage_since, updated_at = excluded.updated_at
    RETURNING customer_id, stage_since
)
SELECT changed.customer_id, changed.previous_stage, changed.stage, written.stage_since
FROM changed JOIN written ON written.customer_id = changed.customer_id
"""


def _statement(write: str):
    instants = ["now", "window_start", *(f"rule_{i}" for i, rule in enumerate(_RULES[:-1])
                                         if isinstance(rule.bound, datetime))]
    return returning(text(_WRITE_AND_REFRESH.format(write=write, stage_case=_STAGE_CASE))
                     .bindparams(*(bindparam(name, type_=UTCDateTime()) for name in instants)),
                     "customer_id", "previous_stage", "stage", "stage_since", stage_since=UTCDateTime())


# A paid order is recorded once (its id is the key): a second delivery inserts nothing.
_PAID = _statement(
    "INSERT INTO segment_orders (tenant_id, order_id, customer_id, paid_amount, refunded_total, fully_refunded, "
    "coupon_id, paid_at, updated_at) "
    "VALUES (:tenant_id, :order_id, :customer_id, :amount, 0, false, :coupon_id, :now, :now) "
    "ON CONFLICT (tenant_id, order_id) DO NOTHING")
# The refunded total only ever rises (orders.record_refunded).
_REFUNDED = _statement(
    "UPDATE segment_orders SET refunded_total = greatest(refunded_total, CAST(:refunded_total AS integer)), "
    "fully_refunded = fully_refunded OR CAST(:fully_refunded AS boolean), updated_at = :now "
    "WHERE tenant_id = :tenant_id AND order_id = :order_id")
# Reconciled to what the order kept, only if it kept less than the mirror says (orders.record_final).
_FINAL = _statement(
    "UPDATE segment_orders SET refunded_total = paid_amount - CAST(:net_amount AS integer), "
    "fully_refunded = CAST(:net_amount AS integer) <= 0, updated_at = :now "
    "WHERE tenant_id = :tenant_id AND order_id = :order_id "
    "AND paid_amount - refunded_total > CAST(:net_amount AS integer)")


def paid(session: Session, *, order_id: str, customer_id: str, amount: int, coupon_id: str | None) -> None:
    """Record a paid order once; the customer's stage follows."""
    if not _in_one_statement(session):
        if record_paid(session, order_id=order_id, customer_id=customer_id, amount=amount, coupon_id=coupon_id):
            refresh_stages(session, customer_ids=[customer_id])
        return
    _write_and_refresh(session, _PAID, customer_id=customer_id,
                       values={"order_id": order_id, "amount": amount, "coupon_id": coupon_id})


def refunded(session: Session, *, order_id: str, customer_id: str, refunded_total: int,
             fully_refunded: bool) -> None:
    """Net the refund off the mirrored order (if known); the customer's stage follows."""
    if not _in_one_statement(session):
        if record_refunded(session, order_id=order_id, refunded_total=refunded_total, fully_refunded=fully_refunded):
            refresh_stages(session, customer_ids=[customer_id])
        return
    _write_and_refresh(session, _REFUNDED, customer_id=customer_id,
                       values={"order_id": order_id, "refunded_total": refunded_total,
                               "fully_refunded": fully_refunded})


def final(session: Session, *, order_id: str, customer_id: str, net_amount: int) -> None:
    """Reconcile what the order kept once after-sales closed; the customer's stage follows."""
    if not _in_one_statement(session):
        if record_final(session, order_id=order_id, net_amount=net_amount):
            refresh_stages(session, customer_ids=[customer_id])
        return
    _write_and_refresh(session, _FINAL, customer_id=customer_id,
                       values={"order_id": order_id, "net_amount": net_amount})


def _in_one_statement(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _write_and_refresh(session: Session, statement, *, customer_id: str, values: dict) -> None:
    tenant_id, now = require_tenant_id(), clock.now()
    thresholds = lifecycle_thresholds(session)
    # The two-step path's refresh was an ORM statement, which flushed pending changes first: so does this.
    session.flush()
    parameters = {**values, **_bounds(thresholds, now), "tenant_id": tenant_id, "customer_id": customer_id,
                  "now": now}
    if not events.has_handlers(events.CustomerStageChanged):
        # Its rows would only become events nobody handles: it goes with the transaction's next statement or
        # its COMMIT (the payment's last statement: a round trip saved), its stage written all the same.
        defer_on_driver(session, statement, parameters)
        return
    changes = [StageChange(*row) for row in execute_on_driver(session, statement, parameters).rows]
    publish_changes(session, changes, tenant_id=tenant_id)


def _bounds(thresholds: Thresholds, now: datetime) -> dict:
    rules = stage_rules(thresholds, now)
    return {**{f"rule_{i}": rule.bound for i, rule in enumerate(rules[:-1])}, "counted": _counted(rules),
            "window_start": thresholds.window_start(now),
            "churned_after": thresholds.churned_days * DAY, "dormant_after": thresholds.dormant_days * DAY}


def _counted(rules) -> int:
    """How many of the customer's latest orders the facts need: one more than the largest bound a count is
    compared with (`=`, `<`, `>=`), since any count beyond it compares alike. The latest ones, so the last
    payment is among them and the orders in the window, the newest, are counted exactly up to that number."""
    return max(rule.bound for rule in rules[:-1] if not isinstance(rule.bound, datetime)) + 1
