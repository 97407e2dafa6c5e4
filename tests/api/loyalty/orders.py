"""Stand-ins for the shop in loyalty's tests: checkout through the contract, order events published directly."""

from __future__ import annotations

from core import events
from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from loyalty import checkout


def hold(tenant_id: str, customer_id: str, *, points: int = 0, coupon_id: str | None = None,
         order_id: str | None = None) -> str:
    """What the shop's checkout does: hold the coupon and points for a new pending order."""
    order_id = order_id or new_id("ord")
    with unit_of_work() as session, tenant_scope(tenant_id):
        checkout.hold_for_order(session, customer_id=customer_id, order_id=order_id, coupon_id=coupon_id,
                                points=points)
    return order_id


def publish(tenant_id: str, event: events.OrderEvent) -> None:
    with unit_of_work() as session, tenant_scope(tenant_id):
        events.publish(session, event)


def pay(tenant_id: str, customer_id: str, order_id: str, *, amount: int, points_used: int = 0,
        coupon_id: str | None = None, currency: str = "CNY") -> None:
    publish(tenant_id, events.OrderPaid(tenant_id, order_id, customer_id, currency, amount=amount,
                                        points_used=points_used, coupon_id=coupon_id))


def paid_order(tenant_id: str, customer_id: str, *, amount: int, currency: str = "CNY") -> str:
    """An order paid in money only."""
    order_id = new_id("ord")
    pay(tenant_id, customer_id, order_id, amount=amount, currency=currency)
    return order_id


def cancel(tenant_id: str, customer_id: str, order_id: str, *, points_used: int = 0,
           coupon_id: str | None = None) -> None:
    publish(tenant_id, events.OrderCancelled(tenant_id, order_id, customer_id, "CNY", was_paid=False,
                                             coupon_id=coupon_id, points_used=points_used))


def refund(tenant_id: str, customer_id: str, order_id: str, *, amount: int, paid_amount: int, refunded_total: int,
           points_returned: int = 0, refund_id: str | None = None) -> str:
    refund_id = refund_id or new_id("re")
    publish(tenant_id, events.OrderRefunded(
        tenant_id, order_id, customer_id, "CNY", refund_id=refund_id, amount=amount, paid_amount=paid_amount,
        refunded_total=refunded_total, points_returned=points_returned,
        fully_refunded=refunded_total >= paid_amount,
    ))
    return refund_id
