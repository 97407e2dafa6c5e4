"""A customer's points as a pure state machine: lots, points held for unpaid orders, and debt.

Services load a Wallet under the customer's account lock, apply one operation, and write back what it
changed (loyalty/points/service/accounts.py); the Hypothesis stateful test drives this same class with no
database. Expiry is the one effect outside it: a set-based job zeroes what is left of due lots
(loyalty/points/service/expiry.py), and every operation here already treats an expired lot as gone.

The rules it keeps, whatever the order of operations:
- every credit pays the debt first; what is left of it becomes a lot (pending until `available_at`);
- spending draws spendable lots soonest-expiring first and never takes more than is spendable;
- a clawback takes the lots it names first (an order's own earning), then spendable, then pending lots,
  and what it cannot take becomes debt, so debt exists only while no unexpired lot has anything left;
- points held for an unpaid order go back to the lots they came from (debt first) if it is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from loyalty.errors import InsufficientPoints


@dataclass
class Lot:
    id: str
    points: int  # what the lot was credited with
    remaining: int  # what is left of it
    available_at: datetime  # pending until then
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def spendable(self, now: datetime) -> bool:
        return self.remaining > 0 and self.available_at <= now and not self.expired(now)

    def pending(self, now: datetime) -> bool:
        return self.remaining > 0 and self.available_at > now and not self.expired(now)


@dataclass(frozen=True)
class Draw:
    lot_id: str
    points: int


@dataclass(frozen=True)
class Entry:
    """One ledger line: points into (positive) or out of (negative) a customer's points."""

    kind: str
    points: int
    source: str  # unique per tenant: the effect it records happens once
    lot_id: str | None = None  # the lot a credit created
    draws: tuple[Draw, ...] = ()  # the lots a debit took from


def _soonest_expiring_first(lot: Lot):
    return lot.expires_at is None, lot.expires_at or lot.available_at, lot.available_at, lot.id


def _soonest_available_first(lot: Lot):
    return lot.available_at, _soonest_expiring_first(lot)


@dataclass
class Wallet:
    held: int = 0
    debt: int = 0
    lots: dict[str, Lot] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # lots this wallet created, to insert
    changed: set[str] = field(default_factory=set)  # existing lots whose `remaining` changed, to update

    def balance(self, now: datetime) -> int:
        """Points spendable now."""
        return sum(lot.remaining for lot in self.lots.values() if lot.spendable(now))

    def pending(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots.values() if lot.pending(now))

    def credit(self, *, kind: str, points: int, source: str, lot_id: str, now: datetime,
               available_at: datetime | None = None, expires_at: datetime | None = None) -> Entry:
        """Points in: they pay the debt first, and the rest becomes a new lot."""
        _require_positive(points)
        repaid = min(self.debt, points)
        self.debt -= repaid
        self.lots[lot_id] = Lot(lot_id, points, points - repaid, available_at or now, expires_at)
        self.created.append(lot_id)
        return Entry(kind, points, source, lot_id=lot_id)

    def debit(self, *, kind: str, points: int, source: str, now: datetime) -> Entry:
        """Points out of what is spendable now, soonest-expiring lots first; InsufficientPoints if short."""
        _require_positive(points)
        spendable = sorted((lot for lot in self.lots.values() if lot.spendable(now)), key=_soonest_expiring_first)
        if sum(lot.remaining for lot in spendable) < points:
            raise InsufficientPoints()
        return Entry(kind, -points, source, draws=self._take(spendable, points))

    def hold(self, *, points: int, source: str, now: datetime) -> Entry:
        """Spend points on an unpaid order: they leave the balance and are held until it is paid or cancelled."""
        entry = self.debit(kind="spend", points=points, source=source, now=now)
        self.held += points
        return entry

    def settle_hold(self, *, points: int) -> None:
        """The order was paid: its held points are spent for good."""
        self._unhold(points)

    def release(self, *, points: int, draws: Iterable[Draw], source: str) -> Entry:
        """The unpaid order was cancelled: its held points pay any debt, then go back to the lots they were
        drawn from, latest-drawn first (so what the debt keeps is what would have expired soonest)."""
        _require_positive(points)
        self._unhold(points)
        repaid = min(self.debt, points)
        self.debt -= repaid
        left = points - repaid
        for draw in reversed(tuple(draws)):
            back = min(left, draw.points)
            if back:
                self.lots[draw.lot_id].remaining += back
                self._touch(draw.lot_id)
                left -= back
        return Entry("release", points, source)

    def claw_back(self, *, points: int, source: str, now: datetime, own_lot_ids: Iterable[str] = ()) -> Entry:
        """Take points back (a refunded order's earning): from its own lots first, then spendable, then
        pending lots; whatever is not there any more becomes debt that later credits pay first."""
        _require_positive(points)
        own = [self.lots[lot_id] for lot_id in own_lot_ids if lot_id in self.lots]
        own = [lot for lot in own if lot.remaining > 0 and not lot.expired(now)]
        own_ids = {lot.id for lot in own}
        others = [lot for lot in self.lots.values() if lot.id not in own_ids]
        order = (
            own
            + sorted((lot for lot in others if lot.spendable(now)), key=_soonest_expiring_first)
            + sorted((lot for lot in others if lot.pending(now)), key=_soonest_available_first)
        )
        taken = min(points, sum(lot.remaining for lot in order))
        draws = self._take(order, taken)
        self.debt += points - taken
        return Entry("reversal", -points, source, draws=draws)

    def _take(self, lots: list[Lot], points: int) -> tuple[Draw, ...]:
        draws = []
        for lot in lots:
            if not points:
                break
            taken = min(lot.remaining, points)
            if taken:
                lot.remaining -= taken
                self._touch(lot.id)
                draws.append(Draw(lot.id, taken))
                points -= taken
        return tuple(draws)

    def _unhold(self, points: int) -> None:
        if points > self.held:
            raise ValueError(f"cannot release {points} points: only {self.held} are held")
        self.held -= points

    def _touch(self, lot_id: str) -> None:
        if lot_id not in self.created:
            self.changed.add(lot_id)


def _require_positive(points: int) -> None:
    if points <= 0:
        raise ValueError("points must be positive")
