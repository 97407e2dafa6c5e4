"""Settlement: due commissions (frozen, after-sales closed) become available, set-based, batch by batch.

A run is a Settlement row; each batch is one job in its own transaction: one locking
`UPDATE … FROM (… FOR UPDATE SKIP LOCKED) RETURNING` settles up to `limit` commissions, the ledger
transaction is posted from what it returned (one debit and one credit per distributor), and the run's
counters move. A batch either commits whole or not at all (a worker killed mid-batch settles nothing,
and the batch's job runs again); runs that overlap take disjoint rows (SKIP LOCKED), and a commission
leaves `frozen` once, so none settles twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Row, exists, func, select, update
from sqlalchemy.orm import Session

from core import clock, jobs, ledger
from core.api import Page
from core.errors import NotFound
from core.ids import new_id
from core.pagination import paginate
from core.tenancy import require_tenant_id
from shop.distribution.accounts import account
from shop.distribution.models import Commission, Settlement
from tenants.platform.models import Tenant

BATCH = 5_000
_COMMISSIONS = Commission.__table__


def request_settlement(session: Session, *, limit: int = BATCH) -> Settlement:
    """Queue a settlement run now (on demand); its first batch job is written to the outbox."""
    settlement = _new_settlement(session, trigger="on_demand", status="queued")
    _enqueue_batch(session, settlement.id, batch=1, limit=limit)
    return settlement


def start_periodic_settlement(session: Session, *, limit: int = BATCH) -> Settlement | None:
    """The periodic run: when something is due, record a run and settle its first batch here."""
    if not _anything_due(session):
        return None
    settlement = _new_settlement(session, trigger="periodic", status="running")
    run_settlement_batch(session, settlement_id=settlement.id, batch=1, limit=limit)
    return settlement


def _anything_due(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Commission.status == "frozen", Commission.final_at.is_not(None)))))


def due_count(session: Session) -> int:
    """How many commissions are due for settlement now (frozen, their after-sales window closed): what a run
    still has ahead of it, for a page following one."""
    return session.scalar(select(func.count()).select_from(Commission)
                          .where(Commission.status == "frozen", Commission.final_at.is_not(None))) or 0


def run_settlement_batch(session: Session, *, settlement_id: str, batch: int, limit: int = BATCH) -> int:
    """Settle one batch for a run; a full batch queues the next one, a short one completes the run.

    (Asking whether anything is left after a full batch costs more than the empty batch it would save: the
    rows just settled still sit in the due index until this transaction ends.)"""
    settlement = session.scalars(
        select(Settlement).where(Settlement.id == settlement_id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()
    if settlement is None or settlement.status == "completed":
        return 0
    now = clock.now()
    if settlement.status == "queued":
        settlement.status, settlement.started_at = "running", now
    settled = settle_due(session, settlement_id=settlement_id, now=now, limit=limit)
    totals = defaultdict(int)
    for row in settled:
        totals[(row.distributor_id, row.currency)] += row.amount
    ledger.post(session, kind="commission.settle", key=f"settlement:{settlement_id}:{batch}", reference=settlement_id,
                at=now, postings=[posting for (distributor_id, currency), amount in totals.items()
                                  for posting in (ledger.Posting(account(distributor_id, "frozen"), amount, currency),
                                                  ledger.Posting(account(distributor_id, "available"), -amount,
                                                                 currency))])
    settlement.commissions += len(settled)
    settlement.amount += sum(totals.values())
    settlement.batches += 1
    if len(settled) >= limit:  # more may be due: the next batch finds out (an empty one completes the run)
        _enqueue_batch(session, settlement_id, batch=batch + 1, limit=limit)
    else:
        settlement.status, settlement.completed_at = "completed", clock.now()
    session.flush()
    return len(settled)


def settle_due(session: Session, *, settlement_id: str, now: datetime, limit: int) -> list[Row]:
    """Settle up to `limit` due commissions of the current tenant; returns (id, distributor_id, currency,
    amount) of each. Raw SQL on a tenant table, so it names tenant_id itself."""
    tenant_id = require_tenant_id()
    settle = _SETTLE.get(session.get_bind().dialect.name, _settle_selected)
    return settle(session, tenant_id=tenant_id, settlement_id=settlement_id, now=now, limit=limit)


def _due(tenant_id: str, limit: int):
    return (
        select(_COMMISSIONS.c.tenant_id, _COMMISSIONS.c.id)
        .where(_COMMISSIONS.c.tenant_id == tenant_id, _COMMISSIONS.c.status == "frozen",
               _COMMISSIONS.c.final_at.is_not(None))
        .order_by(_COMMISSIONS.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    )


def _settle_in_one_statement(session: Session, *, tenant_id: str, settlement_id: str, now: datetime,
                             limit: int) -> list[Row]:
    """PostgreSQL: one UPDATE … FROM (the locked batch) RETURNING what each commission earned."""
    due = _due(tenant_id, limit).subquery("due")
    return session.execute(
        update(_COMMISSIONS)
        .where(_COMMISSIONS.c.tenant_id == due.c.tenant_id, _COMMISSIONS.c.id == due.c.id)
        .values(status="settled", settled_at=now, settlement_id=settlement_id)
        .returning(_COMMISSIONS.c.id, _COMMISSIONS.c.distributor_id, _COMMISSIONS.c.currency, _COMMISSIONS.c.amount)
    ).all()


def _settle_selected(session: Session, *, tenant_id: str, settlement_id: str, now: datetime,
                     limit: int) -> list[Row]:
    """Elsewhere (SQLite: one writer at a time, no row locks): update the chosen batch, then read it back."""
    ids = [row.id for row in session.execute(_due(tenant_id, limit))]
    if not ids:
        return []
    session.execute(
        update(_COMMISSIONS).where(_COMMISSIONS.c.tenant_id == tenant_id, _COMMISSIONS.c.id.in_(ids),
                                   _COMMISSIONS.c.status == "frozen")
        .values(status="settled", settled_at=now, settlement_id=settlement_id))
    return session.execute(
        select(_COMMISSIONS.c.id, _COMMISSIONS.c.distributor_id, _COMMISSIONS.c.currency, _COMMISSIONS.c.amount)
        .where(_COMMISSIONS.c.tenant_id == tenant_id, _COMMISSIONS.c.settlement_id == settlement_id,
               _COMMISSIONS.c.id.in_(ids))).all()


_SETTLE = {"postgresql": _settle_in_one_statement}


def get_settlement(session: Session, *, settlement_id: str) -> Settlement:
    settlement = session.scalars(select(Settlement).where(Settlement.id == settlement_id)).one_or_none()
    if settlement is None:
        raise NotFound("No such settlement")
    return settlement


def list_settlements(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """Settlement runs, periodic and on demand, newest first."""
    return paginate(session, select(Settlement), id_column=Settlement.id, limit=limit, starting_after=starting_after)


def iter_settlements(session: Session) -> Iterator[Settlement]:
    """Every settlement run, newest first (for CSV)."""
    yield from session.scalars(select(Settlement).order_by(Settlement.id.desc()).execution_options(yield_per=1000))


def _new_settlement(session: Session, *, trigger: str, status: str) -> Settlement:
    now = clock.now()
    currency = session.get(Tenant, require_tenant_id()).currency
    settlement = Settlement(id=new_id("stl"), trigger=trigger, status=status, commissions=0, amount=0,
                            currency=currency, batches=0, created_at=now,
                            started_at=now if status == "running" else None)
    session.add(settlement)
    session.flush()
    return settlement


def _enqueue_batch(session: Session, settlement_id: str, *, batch: int, limit: int = BATCH) -> None:
    kwargs = {"settlement_id": settlement_id, "batch": batch}
    if limit != BATCH:
        kwargs["limit"] = limit
    jobs.enqueue(session, "distribution.settle_batch", key=f"settlement:{settlement_id}:batch:{batch}", **kwargs)
