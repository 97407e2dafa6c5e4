"""Stock moves by guarded updates only: reserved at checkout, released on cancellation or restocking refunds,
and changed by the merchant relatively (`adjust`) or conditionally (`set_level` with the level seen)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock
from core.errors import DomainError, InvalidRequest
from shop.catalog.models import Sku


class OutOfStock(DomainError):
    status, reason = 409, "out_of_stock"
    message = "Not enough stock for this order"


class StockChanged(DomainError):
    status, reason = 409, "stock_changed"
    message = "The stock changed since it was read"


def reserve(session: Session, *, quantities: dict[str, int]) -> None:
    """Take stock for an order, all or nothing: OutOfStock rolls the caller's transaction back."""
    for sku_id in sorted(quantities):  # rows are locked in id order, so two checkouts never deadlock
        # Many checkouts race for the last units: this guard, not an earlier read, decides who gets them.
        taken = session.execute(
            update(Sku)
            .where(Sku.id == sku_id, Sku.stock >= quantities[sku_id])
            .values(stock=Sku.stock - quantities[sku_id], updated_at=clock.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            raise OutOfStock(f"Not enough stock of {sku_id}")


def release(session: Session, *, quantities: dict[str, int]) -> None:
    """Put stock back (an unpaid order cancelled, or units refunded before they shipped)."""
    for sku_id in sorted(quantities):
        if quantities[sku_id]:
            session.execute(
                update(Sku)
                .where(Sku.id == sku_id)
                .values(stock=Sku.stock + quantities[sku_id], updated_at=clock.now())
                .execution_options(synchronize_session=False)
            )


def adjust(session: Session, *, sku_id: str, delta: int, ceiling: int) -> int:
    """Add (or, negative, take) units relative to whatever the stock is now; returns the new level."""
    # Checkouts reserve units while the merchant adds some: a relative change keeps both.
    new = session.execute(
        update(Sku)
        .where(Sku.id == sku_id, Sku.stock + delta >= 0, Sku.stock + delta <= ceiling)
        .values(stock=Sku.stock + delta, updated_at=clock.now())
        .returning(Sku.stock)
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    if new is None and delta < 0:
        raise OutOfStock(f"Taking {-delta} units would leave less than none: {_level(session, sku_id)} left")
    if new is None:
        raise InvalidRequest(f"The stock cannot exceed {ceiling}", errors={"json": {"stock_delta": ["Too large."]}})
    return new


def set_level(session: Session, *, sku_id: str, stock: int, expected: int | None = None) -> int:
    """Set the stock; with `expected` (the level the merchant saw), only if it is still that (else 409)."""
    statement = update(Sku).where(Sku.id == sku_id)
    if expected is not None:
        # A checkout may have reserved units since the merchant read the stock: the guard notices.
        statement = statement.where(Sku.stock == expected)
    new = session.execute(
        statement.values(stock=stock, updated_at=clock.now()).returning(Sku.stock)
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    if new is None:
        current = _level(session, sku_id)
        raise StockChanged(f"The stock is {current} now, not {expected}; read it again or send stock_delta",
                           errors={"json": {"expected_stock": [f"The stock is {current} now."]}})
    return new


def _level(session: Session, sku_id: str) -> int:
    return session.scalars(select(Sku.stock).where(Sku.id == sku_id)).one()
