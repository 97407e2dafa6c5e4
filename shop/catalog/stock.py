"""Stock moves by guarded updates only: reserved at checkout, released on cancellation or restocking refunds,
and changed by the merchant relatively (`adjust`) or conditionally (`set_level` with the level seen)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core import clock
from core.db import returning
from core.driver import execute_on_driver
from core.errors import DomainError, InvalidRequest
from core.tenancy import require_tenant_id
from shop.catalog.models import Product, Sku


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


@dataclass(frozen=True)
class ReservedSku:
    """A SKU whose stock an order took, with what the order needs of it (price, names)."""

    id: str
    product_id: str
    name: str | None
    price: int
    stock: int  # what is left
    title: str  # the product's


def reserve_for_sale(session: Session, *, quantities: dict[str, int]) -> dict[str, ReservedSku]:
    """Take stock for an order in one statement, and price it: the SKUs taken, with their prices and names.

    A SKU that is unknown, not for sale (its product archived) or short is missing from the answer; the
    caller then refuses the order, and its rollback returns what this took.
    """
    if session.get_bind().dialect.name != "postgresql":
        return _reserve_one_by_one(session, quantities=quantities)
    ids = sorted(quantities)
    taken = execute_on_driver(session, _RESERVE_FOR_SALE, {
        "tenant_id": require_tenant_id(), "sku_ids": ids, "quantities": [quantities[sku_id] for sku_id in ids],
        "now": clock.now()}).rows
    return {row[0]: ReservedSku(*row) for row in taken}


# One statement whose text never changes (the SKUs and quantities are arrays), so it is built, compiled and
# prepared once: building it per checkout cost more than running it. Rows are locked in id order before any
# is changed (the ordered FOR UPDATE of `locked`, a subquery PostgreSQL does not pull up), so two checkouts
# never deadlock, whatever plan the UPDATE gets. Many checkouts race for the last units: the guard
# `stock >= quantity`, not an earlier read, decides who gets them. Only an active product's SKUs are sold.
_RESERVE_FOR_SALE = returning(text("""
UPDATE skus SET stock = skus.stock - wanted.quantity, updated_at = :now
FROM (SELECT tenant_id, id FROM skus WHERE tenant_id = :tenant_id AND id = ANY(CAST(:sku_ids AS text[]))
      ORDER BY id FOR UPDATE) AS locked,
     unnest(CAST(:sku_ids AS text[]), CAST(:quantities AS integer[])) AS wanted (sku_id, quantity),
     products
WHERE skus.tenant_id = :tenant_id AND skus.tenant_id = locked.tenant_id AND skus.id = locked.id
  AND skus.id = wanted.sku_id AND skus.stock >= wanted.quantity
  AND products.tenant_id = skus.tenant_id AND products.id = skus.product_id AND products.status = 'active'
RETURNING skus.id, skus.product_id, skus.name, skus.price, skus.stock, products.title"""),
    "id", "product_id", "name", "price", "stock", "title")


def _reserve_one_by_one(session: Session, *, quantities: dict[str, int]) -> dict[str, ReservedSku]:
    """The embedded default's way (SQLite has no VALUES list to join in an UPDATE): read, then a guarded
    update per SKU in id order."""
    rows = session.execute(select(Sku, Product.title).join(Sku.product)
                           .where(Sku.id.in_(quantities), Product.status == "active")).all()
    reserved = {}
    for sku, title in sorted(rows, key=lambda row: row[0].id):
        left = session.execute(
            update(Sku).where(Sku.id == sku.id, Sku.stock >= quantities[sku.id])
            .values(stock=Sku.stock - quantities[sku.id], updated_at=clock.now())
            .returning(Sku.stock).execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if left is not None:
            reserved[sku.id] = ReservedSku(sku.id, sku.product_id, sku.name, sku.price, left, title)
    return reserved


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
