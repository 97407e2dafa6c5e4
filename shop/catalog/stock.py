"""Stock moves by guarded updates only: reserved at checkout, released on cancellation or restocking refunds."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from core.errors import DomainError
from shop.catalog.models import Sku


class OutOfStock(DomainError):
    status, reason = 409, "out_of_stock"
    message = "Not enough stock for this order"


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
