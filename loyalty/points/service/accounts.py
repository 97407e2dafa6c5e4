"""A customer's points under the account lock: the pure Wallet loaded from its rows, written back after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsAccount, PointsEntry, PointsLot
from loyalty.points.rules import expiry_for
from loyalty.points.wallet import Draw, Entry, Lot, Wallet
from loyalty.settings import loyalty_rules


def _lock_accounts(session: Session, customer_ids: list[str]) -> list[PointsAccount]:
    # Every change to a customer's points locks this row first (then, if it needs them, the lots), so two
    # checkouts spending the same points, or a refund racing a cancellation, run one after the other and
    # the second sees what the first left. One lock order everywhere: accounts by customer id, then the
    # order's hold, then lots; a batch locks its accounts in that order too.
    query = (select(PointsAccount).where(PointsAccount.customer_id.in_(customer_ids))
             .order_by(PointsAccount.customer_id).with_for_update().execution_options(populate_existing=True))
    accounts = list(session.scalars(query))
    if len(accounts) < len(customer_ids):  # first points: create the rows (once, however many race), lock them
        found, now = {account.customer_id for account in accounts}, clock.now()
        insert_ignoring_conflicts(
            session, PointsAccount.__table__,
            [{"tenant_id": require_tenant_id(), "customer_id": customer_id, "held": 0, "debt": 0, "created_at": now}
             for customer_id in customer_ids if customer_id not in found],
            index_elements=["tenant_id", "customer_id"],
        )
        accounts = list(session.scalars(query))
    return accounts


def _as_lot(row: PointsLot) -> Lot:
    return Lot(row.id, row.points, row.remaining, row.available_at, row.expires_at)


class CustomerPoints:
    """A customer's Wallet, loaded under the account lock, and the rows to write its changes back to."""

    def __init__(self, session: Session, customer_id: str, account: PointsAccount):
        self.session = session
        self.customer_id = customer_id
        self.account = account
        self.rows: dict[str, PointsLot] = {}
        self.wallet = Wallet(held=account.held, debt=account.debt)

    @classmethod
    def open(cls, session: Session, *, customer_id: str, open_lots: bool = False) -> CustomerPoints:
        """Lock the customer's account; with `open_lots`, load every lot with points left (to spend or
        claw back from)."""
        [account] = _lock_accounts(session, [customer_id])
        customer = cls(session, customer_id, account)
        if open_lots:
            customer.load(open_lots=True)
        return customer

    @classmethod
    def open_many(cls, session: Session, *, customer_ids: Iterable[str]) -> dict[str, CustomerPoints]:
        """Lock many customers' accounts at once, in customer order (to credit a batch)."""
        accounts = _lock_accounts(session, sorted(set(customer_ids)))
        return {account.customer_id: cls(session, account.customer_id, account) for account in accounts}

    def load(self, *, open_lots: bool = False, lot_ids: Iterable[str] = ()) -> None:
        """Load (and lock, after the account) every lot with points left and/or the lots named."""
        wanted = [PointsLot.remaining > 0] if open_lots else []
        lot_ids = list(lot_ids)
        if lot_ids:
            wanted.append(PointsLot.id.in_(lot_ids))
        if not wanted:
            return
        query = (select(PointsLot).where(PointsLot.customer_id == self.customer_id, or_(*wanted))
                 .order_by(PointsLot.id).with_for_update())
        for row in self.session.scalars(query.execution_options(populate_existing=True)):
            self.rows[row.id] = row
            self.wallet.lots[row.id] = _as_lot(row)

    def recorded(self, source: str) -> bool:
        """Was this effect recorded before? (see `recorded_sources`)"""
        return bool(recorded_sources(self.session, [source]))

    def new_lot_terms(self, *, now: datetime, pending_days: int = 0) -> dict:
        """When a credit made now becomes available and expires, by the tenant's points rules."""
        return new_lot_terms(self.session, now=now, pending_days=pending_days)

    def record(self, entry: Entry, *, now: datetime, order_id: str | None = None,
               reason: str | None = None) -> PointsEntry:
        """Write the ledger entry of the operation just applied to the wallet, and everything it changed."""
        lot = self.wallet.lots.get(entry.lot_id) if entry.lot_id else None
        row = PointsEntry(
            id=new_id("pte"), customer_id=self.customer_id, kind=entry.kind, points=entry.points,
            source=entry.source, order_id=order_id, lot_id=entry.lot_id, reason=reason,
            draws=[{"lot_id": d.lot_id, "points": d.points} for d in entry.draws] or None,
            available_at=lot.available_at if lot else None, expires_at=lot.expires_at if lot else None,
            created_at=now,
        )
        self.session.add(row)
        for lot_id in self.wallet.created:
            created = self.wallet.lots[lot_id]
            # Kept with the loaded rows: a later operation of this unit of work may draw from it.
            self.rows[lot_id] = PointsLot(
                id=lot_id, customer_id=self.customer_id, entry_id=row.id, points=created.points,
                remaining=created.remaining, expired=0, available_at=created.available_at,
                expires_at=created.expires_at, created_at=now,
            )
            self.session.add(self.rows[lot_id])
        self.save()
        return row

    def save(self) -> None:
        """Write back lots and account amounts the wallet changed (for operations with no entry)."""
        for lot_id in self.wallet.changed:
            self.rows[lot_id].remaining = self.wallet.lots[lot_id].remaining
        self.wallet.created.clear()
        self.wallet.changed.clear()
        self.account.held = self.wallet.held
        self.account.debt = self.wallet.debt


def new_lot_terms(session: Session, *, now: datetime, pending_days: int = 0) -> dict:
    """When a credit made now becomes available and expires, by the tenant's points rules."""
    rules = loyalty_rules(session)
    available_at = now + timedelta(days=pending_days)
    expiry = rules["points_expiry"]
    return {"available_at": available_at,
            "expires_at": expiry_for(available_at, mode=expiry["mode"], days=expiry.get("days"),
                                     timezone=rules["timezone"])}


def recorded_sources(session: Session, sources: list[str]) -> set[str]:
    """Which of these effects were recorded before. Asked under the customers' account locks, which every
    effect on a customer takes, so two deliveries of one event cannot both miss it (the unique key on
    `source` is the backstop)."""
    return set(session.scalars(select(PointsEntry.source).where(PointsEntry.source.in_(sources))))


def draws_of(stored: list | None) -> tuple[Draw, ...]:
    return tuple(Draw(item["lot_id"], item["points"]) for item in stored or ())
