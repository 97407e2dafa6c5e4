"""What order events and logins do to distribution (subscribed in shop/wiring.py; run in the caller's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import DomainError
from core.events import AfterSalesClosed, OrderPaid, OrderRefunded
from core.tenancy import tenant_scope
from shop.distribution import service
from shop.distribution.errors import AlreadyBound


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """Record the order's commissions, then promote the buyer if its spend reached the threshold (the order
    that makes a customer a distributor earns no self-purchase commission: it was not one when it bought)."""
    with tenant_scope(event.tenant_id):
        service.record_for_order(session, order_id=event.order_id, customer_id=event.customer_id,
                                 currency=event.currency, lines=event.lines)
        service.promote_by_spend(session, customer_id=event.customer_id)


def on_order_refunded(session: Session, event: OrderRefunded) -> None:
    """Shrink the order's frozen commissions to what each line's remaining net earns."""
    with tenant_scope(event.tenant_id):
        service.shrink_for_refund(session, order_id=event.order_id, refund_id=event.refund_id,
                                  currency=event.currency, lines=event.lines)


def on_after_sales_closed(session: Session, event: AfterSalesClosed) -> None:
    """The order's commissions become due: the next settlement run settles them."""
    with tenant_scope(event.tenant_id):
        service.finalize_for_order(session, order_id=event.order_id)


def bind_at_login(session: Session, *, customer, created: bool, invite_code: str) -> dict:
    """The `binding` answer of a login that carries an invite code (tenants/sessions/hooks.py)."""
    service.bind(session, customer_id=customer.id, invite_code=invite_code, source="login")
    return {"status": "bound"}


def binding_refused(refusal: DomainError) -> dict:
    """first_touch keeping an earlier binding is not a refusal at login: it is `kept`."""
    if isinstance(refusal, AlreadyBound):
        return {"status": "kept"}
    return {"status": "refused", "reason": refusal.reason}
