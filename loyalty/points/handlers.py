"""What order events do to points (subscribed in loyalty/wiring.py; run in the shop's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import OrderCancelled, OrderPaid, OrderRefunded
from core.tenancy import tenant_scope
from loyalty.points import service as points


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """Held points are spent for good, and the order earns its points."""
    with tenant_scope(event.tenant_id):
        points.settle_paid_order(session, customer_id=event.customer_id, order_id=event.order_id, paid=event.amount,
                                 currency=event.currency, points_used=bool(event.points_used))


def on_order_cancelled(session: Session, event: OrderCancelled) -> None:
    """An unpaid order's held points come back; a paid order's points are settled by its refunds."""
    if event.was_paid or not event.points_used:
        return
    with tenant_scope(event.tenant_id):
        points.release_for_order(session, customer_id=event.customer_id, order_id=event.order_id)


def on_order_refunded(session: Session, event: OrderRefunded) -> None:
    """Give back the refund's share of the points spent; take back its share of the points earned."""
    with tenant_scope(event.tenant_id):
        points.settle_refund(session, customer_id=event.customer_id, order_id=event.order_id,
                             refund_id=event.refund_id, paid_amount=event.paid_amount,
                             refunded_total=event.refunded_total, points_returned=event.points_returned,
                             fully_refunded=event.fully_refunded)
