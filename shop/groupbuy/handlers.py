"""What order events do to groups (subscribed in shop/wiring.py; run in the order's transaction).

Only group orders carry a `group_id`; every other order passes through without a statement.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import OrderCancelled, OrderPaid, OrderRefunded
from core.tenancy import tenant_scope
from shop.groupbuy import service


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """The seat is paid: the leader's payment forms the group, the last seat's payment makes it succeed."""
    if event.group_id is not None:
        with tenant_scope(event.tenant_id):
            service.on_paid(session, order_id=event.order_id, group_id=event.group_id)


def on_order_cancelled(session: Session, event: OrderCancelled) -> None:
    """An unpaid order cancelled (by the customer, its timeout, or a failed group) frees its seat."""
    if event.group_id is not None and not event.was_paid:
        with tenant_scope(event.tenant_id):
            service.on_left(session, order_id=event.order_id, group_id=event.group_id, seat="held")


def on_order_refunded(session: Session, event: OrderRefunded) -> None:
    """A paid order refunded in full leaves its group while it forms (its seat is free again); once the group
    succeeded or failed, its members and counts stay as they were (seats.leave decides, under the group's lock)."""
    if event.group_id is not None and event.fully_refunded:
        with tenant_scope(event.tenant_id):
            service.on_left(session, order_id=event.order_id, group_id=event.group_id, seat="paid")
