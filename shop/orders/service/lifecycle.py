"""The order state machine: `pending_payment -> paid -> shipped -> completed`, and `cancelled`.

Every transition is one UPDATE guarded on the prior state (so two racing transitions cannot both
happen) and publishes its event in the same transaction. Refunds move the status too
(shop/orders/service/refunds.py). Functions named after a transition return the order, or None
when the guard refused; `*_order` variants used by the API raise 404 or 409 `invalid_state` instead.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from core import clock, events, jobs
from core.errors import InvalidState
from shop.catalog import stock
from shop.orders.errors import GroupNotFormed
from shop.orders.models import Order
from shop.orders.service.queries import find_order, get_order, loaded_order
from tenants.settings import service as settings


def mark_paid(session: Session, *, order_id: str) -> Order | None:
    """pending_payment -> paid; publishes OrderPaid with what was paid for each line."""
    order = _transition(session, order_id, allowed=("pending_payment",), status="paid", paid_at=clock.now())
    if order is not None:
        publish_paid(session, order)
    return order


def publish_paid(session: Session, order: Order) -> None:
    """OrderPaid, with what was paid for each line, for an order that a guarded update just moved to paid
    (by `mark_paid`, or by a payment settling it in the same statement)."""
    events.publish(session, events.OrderPaid(
        **identity(order), amount=order.total, points_used=order.points_used, coupon_id=order.coupon_id,
        lines=tuple(line_amount(line, amount=line.total) for line in order.lines),
        voucher_code=order.voucher_code))


def cancel(session: Session, *, order_id: str, reason: str, customer_id: str | None = None) -> Order | None:
    """pending_payment -> cancelled: the stock comes back, loyalty releases its holds, the intent is voided."""
    order = _transition(session, order_id, allowed=("pending_payment",), customer_id=customer_id,
                        status="cancelled", cancelled_at=clock.now(), cancel_reason=reason)
    if order is None:
        return None
    stock.release(session, quantities={line.sku_id: line.quantity for line in order.lines})
    events.publish(session, events.OrderCancelled(**identity(order), was_paid=False, coupon_id=order.coupon_id,
                                                  points_used=order.points_used, voucher_code=order.voucher_code))
    if order.payment.provider == "stripe" and order.payment.intent_id:
        # After commit, with no lock held: cancel the PaymentIntent so it can no longer be paid.
        jobs.enqueue(session, "shop.release_payment_intent", key=f"order:{order.id}:release-intent",
                     order_id=order.id)
    return order


def cancel_order(session: Session, *, order_id: str, customer_id: str) -> Order:
    """A customer cancels her unpaid order."""
    return cancel(session, order_id=order_id, reason="customer", customer_id=customer_id) or _refuse(
        session, order_id, customer_id, "Only an order awaiting payment can be cancelled")


def ship(session: Session, *, order_id: str, carrier: str | None = None, tracking_number: str | None = None) -> Order:
    """paid (or partially refunded, not yet shipped) -> shipped; auto-completes after `auto_complete_days`."""
    now = clock.now()
    # A group order ships only once its group has succeeded (the group-buy capability tells the order).
    formed = or_(Order.group_status.is_(None), Order.group_status == "succeeded")
    order = _transition(session, order_id, allowed=("paid", "partially_refunded"),
                        where=(Order.shipped_at.is_(None), formed),
                        status="shipped", shipped_at=now, carrier=carrier, tracking_number=tracking_number)
    if order is None:
        held = find_order(session, order_id=order_id)
        if held is not None and held.status in ("paid", "partially_refunded") and held.shipped_at is None:
            raise GroupNotFormed(f"This order's group has not succeeded; it is {held.group_status}")
        return _refuse(session, order_id, None, "Only a paid order that has not shipped can be shipped")
    days = settings.section(session, "orders")["auto_complete_days"]
    jobs.enqueue(session, "shop.auto_complete_order", key=f"order:{order.id}:auto-complete",
                 run_at=now + timedelta(days=days), order_id=order.id)
    events.publish(session, events.OrderShipped(**identity(order)))
    return order


def complete(session: Session, *, order_id: str, customer_id: str | None = None) -> Order | None:
    """shipped -> completed; the after-sales window opens and its end is scheduled."""
    now = clock.now()
    ends_at = now + timedelta(days=settings.section(session, "orders")["after_sales_days"])
    order = _transition(session, order_id, allowed=("shipped", "partially_refunded"), customer_id=customer_id,
                        where=(Order.shipped_at.is_not(None), Order.completed_at.is_(None)),
                        status="completed", completed_at=now, after_sales_ends_at=ends_at)
    if order is None:
        return None
    jobs.enqueue(session, "shop.close_after_sales", key=f"order:{order.id}:after-sales", run_at=ends_at,
                 order_id=order.id)
    events.publish(session, events.OrderCompleted(**identity(order), after_sales_ends_at=ends_at.isoformat()))
    return order


def complete_order(session: Session, *, order_id: str, customer_id: str | None = None) -> Order:
    """The merchant completes a shipped order, or the customer confirms she received it."""
    return complete(session, order_id=order_id, customer_id=customer_id) or _refuse(
        session, order_id, customer_id, "Only a shipped order can be completed")


def close_after_sales(session: Session, *, order_id: str) -> Order | None:
    """End the after-sales window once: points and commissions of the order become final."""
    order = _transition(session, order_id, allowed=("completed", "partially_refunded", "refunded"),
                        where=(Order.completed_at.is_not(None), Order.after_sales_closed_at.is_(None)),
                        after_sales_closed_at=clock.now())
    if order is not None:
        events.publish(session, events.AfterSalesClosed(
            **identity(order), amount=order.total - order.refunded_total,
            lines=tuple(line_amount(line, amount=line.total - line.refunded_amount,
                                    quantity=line.quantity - line.refunded_quantity) for line in order.lines)))
    return order


def line_amount(line, *, amount: int, quantity: int | None = None) -> events.LineAmount:
    return events.LineAmount(line_id=line.id, product_id=line.product_id, sku_id=line.sku_id,
                             quantity=line.quantity if quantity is None else quantity, amount=amount)


def identity(order: Order) -> dict:
    """The fields every order event carries."""
    return {"tenant_id": order.tenant_id, "order_id": order.id, "customer_id": order.customer_id,
            "currency": order.currency, "group_id": order.group_id}



def _transition(session: Session, order_id: str, *, allowed: tuple[str, ...], customer_id: str | None = None,
                where: tuple = (), **values) -> Order | None:
    statement = update(Order).where(Order.id == order_id, Order.status.in_(allowed), *where)
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    # "fetch" brings an order already in the session up to date without reloading its lines.
    moved = session.execute(statement.values(**values).execution_options(synchronize_session="fetch")).rowcount
    return loaded_order(session, order_id=order_id) if moved else None


def _refuse(session: Session, order_id: str, customer_id: str | None, message: str):
    order = get_order(session, order_id=order_id, customer_id=customer_id)  # 404 if it is not there (or not hers)
    raise InvalidState(f"{message}; this order is {order.status}")
