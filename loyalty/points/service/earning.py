"""Points in, and earned points taken back: crediting, earning on paid orders, refunds, manual adjustments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from core import clock
from core.db import returning
from core.driver import execute_on_driver
from core.ids import new_id, new_ids
from core.money import minor_per_major
from core.tenancy import require_tenant_id
from core.writes import adopt, built, row_of
from loyalty.points.models import PointsEntry, PointsHold, PointsLot
from loyalty.points.rules import points_earned, points_to_return, reversal_due
from loyalty.points.service.accounts import CustomerPoints, new_lot_terms, recorded_sources
from loyalty.settings import loyalty_rules
from tenants.customers.service import get_customer


@dataclass(frozen=True)
class Credit:
    customer_id: str
    kind: str
    points: int
    source: str  # the effect credited: once per source
    order_id: str | None = None
    reason: str | None = None
    pending_days: int = 0


@dataclass(frozen=True)
class PaidOrder:
    customer_id: str
    order_id: str
    paid: int  # minor units
    currency: str


def credit(session: Session, **credit_terms) -> PointsEntry | None:
    """Credit points once per source: they pay any debt first, the rest is a lot that expires by the
    tenant's rules. None if this source was credited before."""
    return credit_all(session, [Credit(**credit_terms)])[0]


def credit_all(session: Session, credits: list[Credit]) -> list[PointsEntry | None]:
    """Credit many at once, each as `credit` would: the accounts are locked together in customer order,
    and what was credited before is left alone (once per source)."""
    return _credit(session, credits, entries=True)


def _credit(session: Session, credits: list[Credit], *, entries: bool) -> list:
    """`credit_all`; without `entries` it builds no `PointsEntry` and says only which credits were new (True)."""
    distinct = len({c.source for c in credits}) == len(credits)
    if distinct and session.get_bind().dialect.name == "postgresql":
        credited = _credit_in_one_statement(session, credits, entries=entries)
        if credited is not None:
            return credited
    customers = CustomerPoints.open_many(session, customer_ids=[c.customer_id for c in credits])
    if distinct and not any(c.wallet.debt for c in customers.values()):
        credited = _credit_afresh(session, customers, credits)
    else:
        credited = _credit_paying_debt(session, customers, credits)
    return credited if entries else [entry is not None for entry in credited]


def _credit_paying_debt(session: Session, customers: dict[str, CustomerPoints], credits: list[Credit]) -> list:
    """The general case: one query finds what was credited before; each credit pays its customer's debt first."""
    done = recorded_sources(session, [c.source for c in credits])
    now, entries = clock.now(), []
    for terms in credits:
        if terms.source in done:
            entries.append(None)
            continue
        done.add(terms.source)
        customer = customers[terms.customer_id]
        entry = customer.wallet.credit(kind=terms.kind, points=terms.points, source=terms.source,
                                       lot_id=new_id("plt"), now=now,
                                       **customer.new_lot_terms(now=now, pending_days=terms.pending_days))
        entries.append(customer.record(entry, now=now, order_id=terms.order_id, reason=terms.reason))
    return entries


def _lot_terms(session: Session, credits: list[Credit], now) -> list[dict]:
    """Each credit's availability and expiry: one computation per pending period, not per credit."""
    by_pending: dict[int, dict] = {}
    for terms in credits:
        if terms.pending_days not in by_pending:
            by_pending[terms.pending_days] = new_lot_terms(session, now=now, pending_days=terms.pending_days)
    return [by_pending[terms.pending_days] for terms in credits]


# PostgreSQL, one round trip for a whole credit: the accounts locked, or created (first points), in customer
# order (the one lock order, docs/decisions.md); then, if none of them owes points (each credit is then a lot of
# its full amount, whatever else is credited, so order does not matter), the entries (`ON CONFLICT DO NOTHING`:
# the unique source decides which credits are new, instead of a read first) and the lots of the new ones.
# `DO UPDATE … WHERE debt > 0` locks every conflicting account (as `FOR UPDATE` would, judged on its latest
# version) but rewrites (and returns) only those owing points, so the common case writes no account row; an
# account inserted here (returned too, owing nothing) is invisible to others until commit. The text never
# changes (arrays, unnested), so it is prepared once; it binds `:tenant_id` as the tenancy hook demands.
_CREDIT = returning(text(
    "WITH locked AS (INSERT INTO points_accounts AS account (tenant_id, customer_id, held, debt, created_at) "
    "SELECT :tenant_id, customer_id, 0, 0, :created_at "
    "FROM unnest(CAST(:account_ids AS text[])) AS customer_id ORDER BY customer_id "
    "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET debt = account.debt WHERE account.debt > 0 "
    "RETURNING debt), "
    "new AS (INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, order_id, lot_id, "
    "reason, available_at, expires_at, created_at) "
    "SELECT :tenant_id, unnest(CAST(:ids AS text[])), unnest(CAST(:customer_ids AS text[])), "
    "unnest(CAST(:kinds AS text[])), unnest(CAST(:points AS bigint[])), unnest(CAST(:sources AS text[])), "
    "unnest(CAST(:order_ids AS text[])), unnest(CAST(:lot_ids AS text[])), unnest(CAST(:reasons AS text[])), "
    "unnest(CAST(:available_at AS timestamptz[])), unnest(CAST(:expires_at AS timestamptz[])), :created_at "
    "WHERE NOT EXISTS (SELECT FROM locked WHERE debt > 0) "
    "ON CONFLICT (tenant_id, source) DO NOTHING "
    "RETURNING tenant_id, id, customer_id, points, lot_id, available_at, expires_at, created_at, source), "
    "lots AS (INSERT INTO points_lots (tenant_id, id, customer_id, entry_id, points, remaining, expired, "
    "available_at, expires_at, created_at) "
    "SELECT tenant_id, lot_id, customer_id, id, points, points, 0, available_at, expires_at, created_at FROM new) "
    "SELECT EXISTS (SELECT FROM locked WHERE debt > 0), ARRAY(SELECT source FROM new)"), "owing", "new")


def _credit_in_one_statement(session: Session, credits: list[Credit], *, entries: bool) -> list | None:
    """`_credit` on PostgreSQL with distinct sources, in one statement; None if an account owes points (then
    nothing was written, and the caller pays the debt first, the accounts already locked)."""
    tenant_id, now = require_tenant_id(), clock.now()
    session.flush()  # the statement must see this unit of work's rows, as the ORM's read of the accounts did
    lot_terms = _lot_terms(session, credits, now)
    ids, lot_ids = new_ids("pte", len(credits)), new_ids("plt", len(credits))
    owing, new = execute_on_driver(session, _CREDIT, {
        "tenant_id": tenant_id, "created_at": now, "account_ids": sorted({c.customer_id for c in credits}),
        "ids": ids, "customer_ids": [c.customer_id for c in credits], "kinds": [c.kind for c in credits],
        "points": [c.points for c in credits], "sources": [c.source for c in credits],
        "order_ids": [c.order_id for c in credits], "lot_ids": lot_ids, "reasons": [c.reason for c in credits],
        "available_at": [t["available_at"] for t in lot_terms], "expires_at": [t["expires_at"] for t in lot_terms],
    }).one()
    if owing:
        return None
    new = set(new)
    if not entries:
        return [c.source in new for c in credits]
    # Built as loaded rows are, every attribute set (reading one later never goes back to the database).
    entries = [built(PointsEntry, tenant_id=tenant_id, id=entry_id, customer_id=c.customer_id, kind=c.kind,
                     points=c.points, source=c.source, order_id=c.order_id, lot_id=lot_id, reason=c.reason,
                     draws=None, created_at=now, **terms) if c.source in new else None
               for c, entry_id, lot_id, terms in zip(credits, ids, lot_ids, lot_terms, strict=True)]
    adopt(session, [entry for entry in entries if entry is not None])
    return entries


def _credit_afresh(session: Session, customers: dict[str, CustomerPoints], credits: list[Credit]) -> list:
    """`credit_all` elsewhere (SQLite) when no account in the batch owes points: then each credit is a lot of
    its full amount, whatever else is credited, so the unique source decides in the INSERT itself which credits
    are new (`ON CONFLICT DO NOTHING RETURNING`) instead of a read first, and only their lots are written."""
    tenant_id, now = require_tenant_id(), clock.now()
    entries, lots = [], {}
    for terms, lot_terms in zip(credits, _lot_terms(session, credits, now), strict=True):
        entry = PointsEntry(tenant_id=tenant_id, id=new_id("pte"), customer_id=terms.customer_id, kind=terms.kind,
                            points=terms.points, source=terms.source, order_id=terms.order_id,
                            lot_id=new_id("plt"), reason=terms.reason, draws=None, created_at=now, **lot_terms)
        lots[entry.source] = {"tenant_id": tenant_id, "id": entry.lot_id, "customer_id": terms.customer_id,
                              "entry_id": entry.id, "points": terms.points, "remaining": terms.points,
                              "expired": 0, "created_at": now, **lot_terms}
        entries.append(entry)
    table = PointsEntry.__table__
    new = set(session.scalars(sqlite.insert(table).on_conflict_do_nothing(index_elements=["tenant_id", "source"])
                              .returning(table.c.source), [row_of(entry) for entry in entries]))
    if new:
        session.execute(PointsLot.__table__.insert(), [lots[entry.source] for entry in entries
                                                       if entry.source in new])
    written = [entry for entry in entries if entry.source in new]
    for entry in written:
        row_of(entry)  # every attribute set, so reading one later never goes back to the database
    adopt(session, written)
    return [entry if entry.source in new else None for entry in entries]


def earn_for_order(session: Session, *, customer_id: str, order_id: str, paid: int,
                   currency: str) -> PointsEntry | None:
    """Credit what a paid order earns (pending for `points_pending_days`), once per order."""
    return earn_for_orders(session, [PaidOrder(customer_id, order_id, paid, currency)])[0]


def earn_for_orders(session: Session, orders: list[PaidOrder], *, entries: bool = True) -> list:
    """Credit what each paid order earns, once per order, in one batch: each order's entry (None if it earned
    nothing or was credited before); without `entries`, only whether it was credited now (no `PointsEntry`
    built, for callers that do not read it, like the payment's handler)."""
    earned = earnings(session, orders)
    credits = [credit for credit in earned if credit is not None]
    credited = iter(_credit(session, credits, entries=entries) if credits else [])
    nothing = None if entries else False
    return [next(credited) if credit is not None else nothing for credit in earned]


def earnings(session: Session, orders: list[PaidOrder]) -> list[Credit | None]:
    """The credit each paid order earns by the tenant's rules (None: it earns nothing), not yet credited."""
    rules = loyalty_rules(session)
    earned = [(order, points_earned(order.paid, minor_per_major=minor_per_major(order.currency),
                                    per_unit=rules["points_per_currency_unit"],
                                    minimum=rules["earn_min_order_amount"])) for order in orders]
    return [Credit(order.customer_id, "earn", points, f"order:{order.order_id}:earn", order_id=order.order_id,
                   pending_days=rules["points_pending_days"]) if points else None for order, points in earned]


def lot_terms(session: Session, credits: list[Credit], now) -> list[dict]:
    """Each credit's `available_at` and `expires_at` if credited now."""
    return _lot_terms(session, credits, now)


def settle_refund(session: Session, *, customer_id: str, order_id: str, refund_id: str, paid_amount: int,
                  refunded_total: int, points_returned: int, fully_refunded: bool) -> None:
    """A refund gives back its share of the points the order spent and takes back its share of the points
    the order earned, each exactly once per refund."""
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    _return_spent_points(customer, order_id=order_id, refund_id=refund_id, points_returned=points_returned,
                         fully_refunded=fully_refunded)
    _reverse_earned_points(customer, order_id=order_id, refund_id=refund_id, paid_amount=paid_amount,
                           refunded_total=refunded_total)


def _return_spent_points(customer: CustomerPoints, *, order_id: str, refund_id: str, points_returned: int,
                         fully_refunded: bool) -> None:
    session = customer.session
    source = f"refund:{refund_id}:return"
    if customer.recorded(source):
        return
    hold = session.scalars(
        select(PointsHold).where(PointsHold.order_id == order_id, PointsHold.status == "spent")
    ).one_or_none()
    if hold is None:
        return
    points = points_to_return(points_returned, spent=hold.points, returned_so_far=hold.returned,
                              fully_refunded=fully_refunded)
    if not points:
        return
    # Refunds of one order may race: the guard, not the read above, keeps returns within what was spent.
    returned = session.execute(
        update(PointsHold)
        .where(PointsHold.order_id == order_id, PointsHold.returned + points <= PointsHold.points)
        .values(returned=PointsHold.returned + points, updated_at=clock.now())
    ).rowcount
    if not returned:
        return
    now = clock.now()
    # Returned points are a new lot that expires as if credited now (recorded in docs/decisions.md).
    entry = customer.wallet.credit(kind="return", points=points, source=source, lot_id=new_id("plt"), now=now,
                                   **customer.new_lot_terms(now=now))
    customer.record(entry, now=now, order_id=order_id)


def _reverse_earned_points(customer: CustomerPoints, *, order_id: str, refund_id: str, paid_amount: int,
                           refunded_total: int) -> None:
    session = customer.session
    source = f"refund:{refund_id}:reverse"
    if customer.recorded(source):
        return
    earning = session.scalars(select(PointsEntry).where(PointsEntry.source == f"order:{order_id}:earn")).one_or_none()
    if earning is None:
        return
    reversed_so_far = -session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0))
        .where(PointsEntry.order_id == order_id, PointsEntry.kind == "reversal")
    )
    points = reversal_due(earned=earning.points, paid_amount=paid_amount, refunded_total=refunded_total,
                          reversed_so_far=reversed_so_far)
    if not points:
        return
    now = clock.now()
    entry = customer.wallet.claw_back(points=points, source=source, now=now, own_lot_ids=[earning.lot_id])
    customer.record(entry, now=now, order_id=order_id)


def adjust(session: Session, *, customer_id: str, points: int, reason: str) -> PointsEntry:
    """An admin's manual credit (a new lot) or debit (from spendable points only: never below zero)."""
    get_customer(session, customer_id=customer_id)
    source = f"adjustment:{new_id('adj')}"
    if points > 0:
        return credit(session, customer_id=customer_id, kind="adjustment", points=points, source=source,
                      reason=reason)
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    now = clock.now()
    entry = customer.wallet.debit(kind="adjustment", points=-points, source=source, now=now)
    return customer.record(entry, now=now, reason=reason)
