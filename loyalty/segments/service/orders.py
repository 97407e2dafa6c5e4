"""Loyalty's mirror of paid orders and the distributor flag, kept from events (loyalty cannot read the shop).

Each writer is idempotent: a paid order is recorded once (its id is the key), a refund only ever raises the
refunded total to what the shop says it is now (refund events carry the cumulative total), so a second
delivery, or two refunds arriving out of order, leave the same row.
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.tenancy import require_tenant_id
from loyalty.segments.models import CustomerProfile, SegmentOrder
from tenants.customers.models import Customer


def record_paid(session: Session, *, order_id: str, customer_id: str, amount: int, coupon_id: str | None) -> bool:
    """Record a paid order once; True the first time."""
    now = clock.now()
    return bool(insert_ignoring_conflicts(
        session, SegmentOrder.__table__,
        {"tenant_id": require_tenant_id(), "order_id": order_id, "customer_id": customer_id, "paid_amount": amount,
         "refunded_total": 0, "fully_refunded": False, "coupon_id": coupon_id, "paid_at": now, "updated_at": now},
        index_elements=["tenant_id", "order_id"],
    ))


def record_refunded(session: Session, *, order_id: str, refunded_total: int, fully_refunded: bool) -> bool:
    """Raise the order's refunded total to `refunded_total` (never lower it); True if the order is known.

    An order paid before segments existed was never recorded, so its refunds are ignored with it.
    """
    refunded = SegmentOrder.refunded_total
    return bool(session.execute(
        update(SegmentOrder).where(SegmentOrder.order_id == order_id)
        .values(refunded_total=case((refunded < refunded_total, refunded_total), else_=refunded),
                fully_refunded=SegmentOrder.fully_refunded | fully_refunded, updated_at=clock.now())
    ).rowcount)


def record_final(session: Session, *, order_id: str, net_amount: int) -> bool:
    """The after-sales window closed with `net_amount` kept: reconcile the refunded total (a refund event
    lost before segments subscribed would otherwise count forever)."""
    return bool(session.execute(
        update(SegmentOrder)
        .where(SegmentOrder.order_id == order_id,
               SegmentOrder.paid_amount - SegmentOrder.refunded_total > net_amount)
        .values(refunded_total=SegmentOrder.paid_amount - net_amount,
                fully_refunded=net_amount <= 0, updated_at=clock.now())
    ).rowcount)


def record_distributor_status(session: Session, *, customer_id: str, status: str) -> None:
    """Keep the customer's `is_distributor` flag: approved distributors only."""
    approved = status == "approved"
    tenant_id = require_tenant_id()
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    profile = CustomerProfile.__table__
    customer = (select(Customer.tenant_id, Customer.id, Customer.created_at)
                .where(Customer.tenant_id == tenant_id, Customer.id == customer_id))
    rows = session.execute(customer).all()
    if not rows:
        return
    [(_, _, registered_at)] = rows
    statement = builder(profile).values(
        tenant_id=tenant_id, customer_id=customer_id, stage="prospect", stage_since=registered_at,
        is_distributor=approved, updated_at=registered_at,  # the stage is as of registration: refresh it freely
    )
    session.execute(statement.on_conflict_do_update(index_elements=["tenant_id", "customer_id"],
                                                    set_={"is_distributor": approved}))
