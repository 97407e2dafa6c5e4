"""What order and distributor events do to segments (subscribed in loyalty/wiring.py; they run in the
publisher's transaction, so a customer's stage changes with the payment or refund that changed it; on
PostgreSQL each order event is one statement, service/order_events.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import AfterSalesClosed, DistributorStatusChanged, OrderPaid, OrderRefunded
from core.tenancy import tenant_scope
from loyalty.segments import service
from loyalty.segments.service import order_events


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """Mirror the paid order (with its coupon, for campaign outcomes); the customer's stage follows."""
    with tenant_scope(event.tenant_id):
        order_events.paid(session, order_id=event.order_id, customer_id=event.customer_id, amount=event.amount,
                          coupon_id=event.coupon_id)


def on_order_refunded(session: Session, event: OrderRefunded) -> None:
    """Net the refund off the mirrored order (a full refund stops it counting); the stage follows."""
    with tenant_scope(event.tenant_id):
        order_events.refunded(session, order_id=event.order_id, customer_id=event.customer_id,
                              refunded_total=event.refunded_total, fully_refunded=event.fully_refunded)


def on_after_sales_closed(session: Session, event: AfterSalesClosed) -> None:
    """The order is final: reconcile what it kept."""
    with tenant_scope(event.tenant_id):
        order_events.final(session, order_id=event.order_id, customer_id=event.customer_id,
                           net_amount=event.amount)


def on_distributor_status_changed(session: Session, event: DistributorStatusChanged) -> None:
    """`is_distributor` is true for approved distributors only."""
    with tenant_scope(event.tenant_id):
        service.record_distributor_status(session, customer_id=event.customer_id, status=event.status)
