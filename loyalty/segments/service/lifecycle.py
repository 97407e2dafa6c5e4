"""Lifecycle stages and RFM scores: set-based SQL over the facts, for one customer (on its order events) or
for every customer of the tenant (the daily refresh), with a CustomerStageChanged event per change.

Only customers who are not prospects have a profile row (or had one): most people who log in to a
mini-program never buy, and a missing row reads as "prospect since registration".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Interval, Select, case, false, func, literal, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import clock, events, jobs
from core.db import UTCDateTime
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.segments.facts import ORDERS, PROFILE, customer_facts, paid_orders, stage_case
from loyalty.segments.models import CustomerProfile
from loyalty.segments.rules import DAY, RFM_SCORES, StageFacts, Thresholds, stage_started_at
from loyalty.segments.settings import thresholds as lifecycle_thresholds

REFRESH_JOB = "loyalty.segments.refresh"
_PROFILES = CustomerProfile.__table__


@dataclass(frozen=True)
class StageChange:
    customer_id: str
    previous_stage: str
    stage: str
    since: datetime


def refresh_stages(session: Session, *, customer_ids: Iterable[str] | None = None) -> list[StageChange]:
    """Recompute the stage of the customers named (on their order events), or of every customer of the
    tenant (the refresh); write those that changed, with when the new stage began, and publish each change."""
    tenant_id, now = require_tenant_id(), clock.now()
    thresholds = lifecycle_thresholds(session)
    whole_tenant = customer_ids is None
    facts = customer_facts(tenant_id=tenant_id, now=now, thresholds=thresholds, needs={ORDERS, PROFILE},
                           customer_ids=customer_ids)
    stage = stage_case(facts, thresholds=thresholds, now=now)
    changed = select(facts.c.customer_id, facts.c.stage.label("previous_stage"), stage.label("stage"),
                     facts.c.last_paid_at, facts.c.registered_at).where(facts.c.stage != stage)
    # The whole-tenant refresh leaves alone a stage an order event wrote after the refresh began: the event
    # saw that customer's newest order, which the refresh's snapshot may not have.
    guard_before = now if whole_tenant else None
    write = _WRITE_CHANGES.get(session.get_bind().dialect.name, _read_then_write)
    changes = write(session, changed, tenant_id=tenant_id, now=now, thresholds=thresholds, guard_before=guard_before)
    publish_changes(session, changes, tenant_id=tenant_id)
    return changes


def publish_changes(session: Session, changes: list[StageChange], *, tenant_id: str) -> None:
    """A CustomerStageChanged event per stage written."""
    for change in changes:
        events.publish(session, events.CustomerStageChanged(
            tenant_id=tenant_id, customer_id=change.customer_id, stage=change.stage,
            previous_stage=change.previous_stage, since=change.since.isoformat()))


def _upsert(session: Session, *, guard_before: datetime | None, rows: Select | None = None,
            values: list[dict] | None = None):
    """INSERT the stages given (rows selected, or values) or, for customers with a profile, UPDATE their stage
    and since; with `guard_before`, leave alone profiles an order event wrote since then."""
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = builder(_PROFILES)
    if rows is not None:
        statement = statement.from_select(list(rows.selected_columns.keys()), rows)
    else:
        statement = statement.values(values)
    return statement.on_conflict_do_update(
        index_elements=["tenant_id", "customer_id"],
        set_={"stage": statement.excluded.stage, "stage_since": statement.excluded.stage_since,
              "updated_at": statement.excluded.updated_at},
        where=None if guard_before is None else _PROFILES.c.updated_at < guard_before,
    )


def _write_in_one_statement(session: Session, changed: Select, *, tenant_id: str, now: datetime,
                            thresholds: Thresholds, guard_before: datetime | None) -> list[StageChange]:
    """PostgreSQL: one statement — the changed stages with when each began (rules.stage_started_at in SQL),
    upserted, and those actually written returned."""
    changed = changed.cte("changed")
    rows = select(literal(tenant_id).label("tenant_id"), changed.c.customer_id, changed.c.stage,
                  _started_at(changed, thresholds, now).label("stage_since"), false().label("is_distributor"),
                  literal(now, UTCDateTime()).label("updated_at")).order_by(changed.c.customer_id)
    written = _upsert(session, rows=rows, guard_before=guard_before).returning(
        _PROFILES.c.customer_id, _PROFILES.c.stage_since).cte("written")
    result = session.execute(
        select(changed.c.customer_id, changed.c.previous_stage, changed.c.stage, written.c.stage_since)
        .join(written, written.c.customer_id == changed.c.customer_id)
    ).all()
    return [StageChange(*row) for row in result]


def _started_at(changed, thresholds: Thresholds, now: datetime):
    def after(days: int):
        return changed.c.last_paid_at + literal(days * DAY, Interval())

    return type_coerce(case((changed.c.stage == "prospect", changed.c.registered_at),
                            (changed.c.stage == "churned", after(thresholds.churned_days)),
                            (changed.c.stage == "dormant", after(thresholds.dormant_days)),
                            else_=literal(now, UTCDateTime())), UTCDateTime())


def _read_then_write(session: Session, changed: Select, *, tenant_id: str, now: datetime, thresholds: Thresholds,
                     guard_before: datetime | None) -> list[StageChange]:
    """Elsewhere (SQLite: one writer at a time, no interval arithmetic): read the changes, then upsert them."""
    changes = [StageChange(row.customer_id, row.previous_stage, row.stage,
                           stage_started_at(row.stage, StageFacts(0, row.last_paid_at, 0, row.registered_at),
                                            thresholds, now))
               for row in session.execute(changed)]
    if changes:
        session.execute(_upsert(session, guard_before=guard_before, values=[
            {"tenant_id": tenant_id, "customer_id": change.customer_id, "stage": change.stage,
             "stage_since": change.since, "is_distributor": False, "updated_at": now} for change in changes]))
    return changes


_WRITE_CHANGES = {"postgresql": _write_in_one_statement}


def refresh_scores(session: Session) -> int:
    """RFM scores for every customer with a paid order, 1-5 by quintile within the tenant (5 best), and no
    scores for customers without one; returns how many were scored. Two UPDATEs, whatever the tenant's size."""
    tenant_id, now = require_tenant_id(), clock.now()
    thresholds = lifecycle_thresholds(session)
    paid = paid_orders(tenant_id=tenant_id, window_start=thresholds.window_start(now))
    # NTILE(5) splits the customers into fifths by each figure (customer id breaking ties, so a refresh is
    # reproducible); customers with equal figures then all take the lowest score among them.
    tiles = select(
        paid.c.customer_id, paid.c.last_paid_at, paid.c.window_orders, paid.c.window_spend,
        func.ntile(RFM_SCORES).over(order_by=(paid.c.last_paid_at, paid.c.customer_id)).label("r_tile"),
        func.ntile(RFM_SCORES).over(order_by=(paid.c.window_orders, paid.c.customer_id)).label("f_tile"),
        func.ntile(RFM_SCORES).over(order_by=(paid.c.window_spend, paid.c.customer_id)).label("m_tile"),
    ).subquery("tiles")
    scores = select(
        tiles.c.customer_id,
        func.min(tiles.c.r_tile).over(partition_by=tiles.c.last_paid_at).label("r"),
        func.min(tiles.c.f_tile).over(partition_by=tiles.c.window_orders).label("f"),
        func.min(tiles.c.m_tile).over(partition_by=tiles.c.window_spend).label("m"),
    ).subquery("scores")
    scored = session.execute(
        update(_PROFILES)
        .where(_PROFILES.c.tenant_id == tenant_id, _PROFILES.c.customer_id == scores.c.customer_id)
        .values(r=scores.c.r, f=scores.c.f, m=scores.c.m, scored_at=now)
    ).rowcount
    session.execute(
        update(_PROFILES)
        .where(_PROFILES.c.tenant_id == tenant_id, _PROFILES.c.r.is_not(None),
               _PROFILES.c.customer_id.not_in(select(paid.c.customer_id)))
        .values(r=None, f=None, m=None, scored_at=now)
    )
    return scored


def lock_tenant_refresh(session: Session) -> None:
    """Two refreshes of one tenant (the daily one and one asked for) run one after the other."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("segments-refresh:" + require_tenant_id()))))


def request_refresh(session: Session) -> dict:
    """Ask for a refresh of every stage, score and rule tag of the tenant, soon (a job)."""
    jobs.enqueue(session, REFRESH_JOB, key=f"{REFRESH_JOB}:{require_tenant_id()}:{new_id('req')}")
    return {"status": "queued"}


def customer_lifecycle(session: Session, *, customer_id: str) -> dict | None:
    """The customer's stage, when it began, and its RFM figures and scores (None if not a customer)."""
    tenant_id, now = require_tenant_id(), clock.now()
    facts = customer_facts(tenant_id=tenant_id, now=now, thresholds=lifecycle_thresholds(session),
                           needs={ORDERS, PROFILE}, customer_ids=[customer_id])
    row = session.execute(select(facts)).one_or_none()
    if row is None:
        return None
    scored = row.paid_orders > 0  # scores of a customer whose orders were all refunded since are void
    return {
        "stage": row.stage,
        "stage_since": row.stage_since,
        "rfm": {
            "recency_days": (now - row.last_paid_at) // DAY if scored else None,
            "frequency": row.window_orders,
            "monetary": row.window_spend,
            "r": row.r if scored else None,
            "f": row.f if scored else None,
            "m": row.m if scored else None,
        },
    }
