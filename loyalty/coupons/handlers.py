"""What order events do to coupons (subscribed in loyalty/wiring.py; run in the shop's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import OrderCancelled, OrderPaid
from core.tenancy import tenant_scope
from loyalty.coupons import service as coupons


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """The coupon the order locked is used."""
    if event.coupon_id:
        with tenant_scope(event.tenant_id):
            coupons.use_for_order(session, coupon_id=event.coupon_id, order_id=event.order_id)


def on_order_cancelled(session: Session, event: OrderCancelled) -> None:
    """An unpaid order's coupon is available again; a paid order's coupon stays used."""
    if event.coupon_id and not event.was_paid:
        with tenant_scope(event.tenant_id):
            coupons.release_from_order(session, coupon_id=event.coupon_id, order_id=event.order_id)
