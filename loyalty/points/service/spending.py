"""Points out: held by an unpaid order, spent when it is paid, back when it is cancelled; spent on rewards."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from loyalty.points.models import PointsEntry, PointsHold
from loyalty.points.service.accounts import CustomerPoints, draws_of


def hold_for_order(session: Session, *, customer_id: str, order_id: str, points: int) -> PointsEntry:
    """Spend points on a pending order (soonest-expiring first) and hold them with it; InsufficientPoints
    if the customer cannot spend that many now."""
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    now = clock.now()
    entry = customer.wallet.hold(points=points, source=f"order:{order_id}:spend", now=now)
    row = customer.record(entry, now=now, order_id=order_id)
    session.add(PointsHold(order_id=order_id, customer_id=customer_id, points=points, returned=0, status="held",
                           draws=row.draws, created_at=now, updated_at=now))
    return row


def settle_for_order(session: Session, *, customer_id: str, order_id: str) -> None:
    """The order was paid: its held points are spent for good (once, whatever the deliveries)."""
    customer = CustomerPoints.open(session, customer_id=customer_id)
    moved = _move_hold(session, order_id=order_id, status="spent")
    if moved is None:
        return
    points, _draws = moved
    customer.wallet.settle_hold(points=points)
    customer.save()


def release_for_order(session: Session, *, customer_id: str, order_id: str) -> PointsEntry | None:
    """The unpaid order was cancelled: its held points go back to the lots they came from (debt first)."""
    customer = CustomerPoints.open(session, customer_id=customer_id)
    moved = _move_hold(session, order_id=order_id, status="released")
    if moved is None:
        return None
    points, draws = moved
    customer.load(lot_ids=[draw.lot_id for draw in draws])
    now = clock.now()
    entry = customer.wallet.release(points=points, draws=draws, source=f"order:{order_id}:release")
    return customer.record(entry, now=now, order_id=order_id)


def spend(session: Session, *, customer_id: str, points: int, kind: str, source: str) -> PointsEntry:
    """Spend points outright (a points-mall exchange); InsufficientPoints if the customer cannot."""
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    now = clock.now()
    entry = customer.wallet.debit(kind=kind, points=points, source=source, now=now)
    return customer.record(entry, now=now)


def _move_hold(session: Session, *, order_id: str, status: str):
    """Move the order's held points to `status`; their amount and draws, or None if none are held."""
    # A payment and a cancellation (or two deliveries of one event) may race: the prior state decides, once.
    moved = session.execute(
        update(PointsHold)
        .where(PointsHold.order_id == order_id, PointsHold.status == "held")
        .values(status=status, updated_at=clock.now())
        .returning(PointsHold.points, PointsHold.draws)
    ).one_or_none()
    if moved is None:
        return None
    return moved.points, draws_of(moved.draws)
