"""Reading a customer's points: the balance, what is pending and expiring soon, and the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Subquery, bindparam, func, or_, select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.pagination import paginate
from loyalty.points.models import PointsAccount, PointsEntry, PointsLot
from loyalty.points.rules import EXPIRING_SOON
from loyalty.points.wallet import Lot, Wallet
from tenants.customers.service import get_customer


def _wallet(session: Session, customer_id: str) -> Wallet:
    """The customer's wallet as of now, read without locking (for reads and pricing, never for changes)."""
    account = session.scalars(select(PointsAccount).where(PointsAccount.customer_id == customer_id)).one_or_none()
    rows = session.scalars(select(PointsLot).where(PointsLot.customer_id == customer_id, PointsLot.remaining > 0))
    return Wallet(held=account.held if account else 0, debt=account.debt if account else 0,
                  lots={row.id: Lot(row.id, row.points, row.remaining, row.available_at, row.expires_at)
                        for row in rows})


def spendable(session: Session, *, customer_id: str) -> int:
    """Points the customer may spend now."""
    return session.scalar(_SPENDABLE, {"customer_id": customer_id, "now": clock.now()})


# `Wallet.balance` summed in the database: one round trip and no rows sent, for checkout's quote (the account
# row holds nothing spendable). Built once: checkout asks it every time points are used.
_SPENDABLE = (
    select(func.coalesce(func.sum(PointsLot.remaining), 0))
    .where(PointsLot.customer_id == bindparam("customer_id"), PointsLot.remaining > 0,
           PointsLot.available_at <= bindparam("now"),
           or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > bindparam("now")))
)


def summary(session: Session, *, customer_id: str) -> dict:
    """Balance, pending, held and debt, and what expires in the next 30 days, soonest first."""
    now = clock.now()
    wallet = _wallet(session, customer_id)
    expiring, soon = defaultdict(int), now + EXPIRING_SOON
    for lot in wallet.lots.values():
        if lot.expires_at and lot.expires_at <= soon and (lot.spendable(now) or lot.pending(now)):
            expiring[lot.expires_at] += lot.remaining
    return {
        "balance": wallet.balance(now),
        "pending": wallet.pending(now),
        "held": wallet.held,
        "debt": wallet.debt,
        "expiring_soon": [{"points": points, "expires_at": at} for at, points in sorted(expiring.items())],
    }


def list_entries(session: Session, *, customer_id: str, limit: int, starting_after: str | None) -> Page:
    """The customer's ledger, newest first."""
    query = select(PointsEntry).where(PointsEntry.customer_id == customer_id)
    return paginate(session, query, id_column=PointsEntry.id, limit=limit, starting_after=starting_after)


def spendable_by_customer(*, tenant_id: str, now: datetime) -> Subquery:
    """Each customer's spendable points as of `now`, as a subquery `(customer_id, balance)` for set-based
    readers (segments' rule fields); customers with none have no row. Names tenant_id itself."""
    lots = PointsLot
    return (
        select(lots.customer_id, func.sum(lots.remaining).label("balance"))
        .where(lots.tenant_id == tenant_id, lots.remaining > 0, lots.available_at <= now,
               or_(lots.expires_at.is_(None), lots.expires_at > now))
        .group_by(lots.customer_id)
        .subquery("points")
    )


def customer_summary(session: Session, *, customer_id: str) -> dict:
    """A customer's points summary for the tenant's staff (404 for anyone not a customer of the tenant)."""
    get_customer(session, customer_id=customer_id)
    return summary(session, customer_id=customer_id)


def customer_entries(session: Session, *, customer_id: str, limit: int, starting_after: str | None) -> Page:
    """A customer's ledger for the tenant's staff, newest first."""
    get_customer(session, customer_id=customer_id)
    return list_entries(session, customer_id=customer_id, limit=limit, starting_after=starting_after)
