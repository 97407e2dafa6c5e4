"""What order events do to vouchers (subscribed in loyalty/wiring.py; run in the shop's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import OrderCancelled, OrderPaid
from core.tenancy import tenant_scope
from loyalty.vouchers.service import redemption


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """The code the order locked is redeemed at checkout."""
    if event.voucher_code:
        with tenant_scope(event.tenant_id):
            redemption.redeem_for_order(session, code=event.voucher_code, order_id=event.order_id)


def on_order_cancelled(session: Session, event: OrderCancelled) -> None:
    """An unpaid order's code is back as it was; a paid order's stays redeemed (refunds do not bring it back)."""
    if event.voucher_code and not event.was_paid:
        with tenant_scope(event.tenant_id):
            redemption.release_from_order(session, code=event.voucher_code, order_id=event.order_id)
