"""What logins and order events do to referrals (registered in loyalty/wiring.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import AfterSalesClosed, OrderPaid, OrderPlaced
from core.tenancy import tenant_scope
from loyalty.referrals import service as referrals
from loyalty.referrals.service.binding import IGNORED


def on_login(session: Session, *, customer, created: bool, invite_code: str) -> dict:
    """The `referral` answer of a login that carries an invite code: `bound` or `ignored`."""
    return referrals.bind_at_login(session, customer=customer, created=created, invite_code=invite_code)


def on_refusal(_refusal) -> dict:
    """A login is never refused for its invite code, and a referral never answers `refused`."""
    return dict(IGNORED)


def on_order_placed(session: Session, event: OrderPlaced) -> None:
    with tenant_scope(event.tenant_id):
        referrals.record_order_placed(session, customer_id=event.customer_id)


def on_order_paid(session: Session, event: OrderPaid) -> None:
    with tenant_scope(event.tenant_id):
        referrals.record_order_paid(session, customer_id=event.customer_id, order_id=event.order_id,
                                    amount=event.amount)


def on_after_sales_closed(session: Session, event: AfterSalesClosed) -> None:
    with tenant_scope(event.tenant_id):
        referrals.record_order_final(session, customer_id=event.customer_id, order_id=event.order_id,
                                     amount_kept=event.amount)
