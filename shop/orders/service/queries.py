"""Reading orders and refunds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.api import Page
from core.errors import NotFound
from core.pagination import paginate
from core.tenancy import require_tenant_id
from shop.orders.models import Order, Refund


def find_order(session: Session, *, order_id: str, customer_id: str | None = None) -> Order | None:
    query = select(Order).where(Order.id == order_id)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    return session.scalars(query).one_or_none()


def loaded_order(session: Session, *, order_id: str) -> Order | None:
    """The current tenant's order, straight from the session when it is already loaded (no SELECT)."""
    return session.get(Order, (require_tenant_id(), order_id))  # the full primary key: (tenant_id, id)


def get_order(session: Session, *, order_id: str, customer_id: str | None = None) -> Order:
    """One order (a customer sees only her own; anything else is 404)."""
    order = find_order(session, order_id=order_id, customer_id=customer_id)
    if order is None:
        raise NotFound("No such order")
    return order


def list_orders(session: Session, *, customer_id: str | None = None, status: str | None = None, limit: int,
                starting_after: str | None) -> Page:
    """Orders newest first: a customer's own, or all of the tenant's, optionally of one status."""
    query = select(Order)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if status:
        query = query.where(Order.status == status)
    return paginate(session, query, id_column=Order.id, limit=limit, starting_after=starting_after)


def list_refunds(session: Session, *, order_id: str, limit: int, starting_after: str | None) -> Page:
    """An order's refunds, newest first."""
    get_order(session, order_id=order_id)
    query = select(Refund).where(Refund.order_id == order_id)
    return paginate(session, query, id_column=Refund.id, limit=limit, starting_after=starting_after)


def net_paid_spend(session: Session, *, customer_id: str) -> int:
    """What a customer has paid for orders, less what was refunded, in minor units."""
    return int(session.scalar(
        select(func.coalesce(func.sum(Order.total - Order.refunded_total), 0))
        .where(Order.customer_id == customer_id, Order.paid_at.is_not(None))
    ))
