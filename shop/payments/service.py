"""Payment records: what a succeeded, failed or voided payment means for its order.

Webhooks, the re-check job, the unpaid-timeout job and the offline provider all record a success
through `record_success`, whose guarded update (`pending -> succeeded`) makes it happen once.
"""

from __future__ import annotations

import logging
from functools import cache

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from core import clock
from core.errors import Forbidden, InvalidState, NotFound
from shop.orders.models import Order
from shop.orders.service import lifecycle, refunds
from shop.payments import gateway, offline
from shop.payments.models import Payment
from tenants.settings import service as settings

log = logging.getLogger("fission.shop.payments")


def attach_intent(session: Session, *, order_id: str, intent: gateway.IntentState) -> None:
    """Store the PaymentIntent created for an order (its client secret goes to the consumer)."""
    session.execute(
        update(Payment)
        .where(Payment.order_id == order_id, Payment.intent_id.is_(None))
        .values(intent_id=intent.id, client_secret=intent.client_secret)
        .execution_options(synchronize_session=False)
    )


def record_success(session: Session, *, payment: Payment) -> Order | None:
    """Record a payment's success once: its order is paid, or, if it was cancelled meanwhile, refunded."""
    if not _mark_succeeded(session, payment_id=payment.id):
        return None
    order = lifecycle.mark_paid(session, order_id=payment.order_id)
    if order is None:
        refund = refunds.refund_payment_after_cancel(session, order_id=payment.order_id)
        log.warning("order %s was paid after it was cancelled; refund %s returns the payment",
                    payment.order_id, refund.id)
    return order


def record_intent_succeeded(session: Session, *, intent: gateway.IntentState) -> None:
    """Stripe says this PaymentIntent succeeded (webhook or re-check)."""
    payment = _payment_for(session, intent)
    if payment is None:
        log.warning("succeeded PaymentIntent %s matches no payment of this tenant", intent.id)
        return
    if (intent.amount, intent.currency) != (payment.amount, payment.currency):
        refuse_mismatched(session, payment=payment, intent=intent)
        return
    record_success(session, payment=payment)


def refuse_mismatched(session: Session, *, payment: Payment, intent: gateway.IntentState) -> None:
    """An intent succeeded for another amount than its order's: refund it all, release the order, say why.

    Once: the payment leaves `pending` by a guarded update (a second report of the intent finds it
    `canceled` and does nothing). The order, if still awaiting payment, is cancelled
    (`payment_amount_mismatch`: stock, coupon and points come back); the money goes back in full by a
    refund of kind `amount_mismatch`, outside the order's own refunds (the order was never paid).
    """
    why = (f"PaymentIntent {intent.id} was paid {intent.amount} {intent.currency}, but the order costs "
           f"{payment.amount} {payment.currency}; the payment is refunded in full and the order released")
    refused = session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status == "pending")
        .values(status="canceled", canceled_at=clock.now(), failure_message=why)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not refused:
        log.info("PaymentIntent %s (amount mismatch) was already dealt with", intent.id)
        return
    log.error("amount mismatch on order %s: %s", payment.order_id, why)
    lifecycle.cancel(session, order_id=payment.order_id, reason="payment_amount_mismatch")
    refunds.refund_mismatched_payment(session, order_id=payment.order_id, amount=intent.amount, reason=why)


def record_intent_failed(session: Session, *, intent: gateway.IntentState) -> None:
    """An attempt to pay failed; the order stays payable (the consumer may try again) until it times out."""
    payment = _payment_for(session, intent)
    if payment is not None and payment.status == "pending":
        payment.failure_message = intent.failure_message or "The payment failed"
        session.flush()


def record_intent_canceled(session: Session, *, intent: gateway.IntentState) -> None:
    """The PaymentIntent was voided at Stripe (its order was cancelled)."""
    session.execute(
        update(Payment)
        .where(Payment.intent_id == intent.id, Payment.status == "pending")
        .values(status="canceled", canceled_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def pay_offline(session: Session, *, order_id: str, customer_id: str | None = None) -> Order:
    """The offline provider: mark an unpaid order paid.

    Staff confirm it (no `customer_id`) when the money has arrived; a customer may confirm her own
    only where the tenant's `payments.offline_self_confirm` allows it (development and the demo).
    """
    if customer_id is not None and not settings.section(session, "payments")["offline_self_confirm"]:
        raise Forbidden("Offline payments are confirmed by the shop's staff")
    if session.get_bind().dialect.name == "postgresql" and not session.identity_map:
        order = offline.settle_and_read(session, order_id=order_id, customer_id=customer_id)
        if order is not None:
            lifecycle.publish_paid(session, order)
            return order
    # The embedded default, a session that already holds objects, or a refusal: read, check, settle.
    order = _order_with_lines(session, order_id=order_id, customer_id=customer_id)
    if order.payment.provider != "offline":
        raise InvalidState("This order is paid through Stripe, not offline")
    if not _settle_offline(session, order=order):
        raise InvalidState(f"Only an order awaiting payment can be paid; this order is {order.status}")
    lifecycle.publish_paid(session, order)
    return order


def _order_with_lines(session: Session, *, order_id: str, customer_id: str | None) -> Order:
    # Its lines (for OrderPaid and the response) and payment in the same statement, not a second SELECT.
    parameters = {"order_id": order_id} if customer_id is None else {"order_id": order_id, "customer_id": customer_id}
    order = session.scalars(_order_with_lines_query(customer_id is not None), parameters).unique().one_or_none()
    if order is None:
        raise NotFound("No such order")
    return order


@cache
def _order_with_lines_query(of_customer: bool):
    """Built once (on first use, when the mappers are configured): a payment's first read, with bound ids."""
    query = select(Order).where(Order.id == bindparam("order_id")).options(joinedload(Order.lines))
    return query.where(Order.customer_id == bindparam("customer_id")) if of_customer else query


def _settle_offline(session: Session, *, order: Order) -> bool:
    """pending_payment -> paid and its payment pending -> succeeded, in one statement; False if the order's
    guard refused (it no longer awaits payment). The objects in hand are brought up to date."""
    tenant_id, now = order.tenant_id, clock.now()
    # A staff confirmation, a customer's and the unpaid-timeout job may race: the guards on the prior
    # states decide, as `mark_paid` and `_mark_succeeded` would one after the other.
    if session.get_bind().dialect.name == "postgresql":
        moved, succeeded = session.execute(_SETTLE_OFFLINE, {"tenant_id": tenant_id, "order_id": order.id,
                                                             "now": now}).one()
    else:  # the embedded default (SQLite has no UPDATE in WITH): the same guards, one after the other
        orders, payments = Order.__table__, Payment.__table__
        moved = session.execute(update(orders).where(orders.c.tenant_id == tenant_id, orders.c.id == order.id,
                                                     orders.c.status == "pending_payment")
                                .values(status="paid", paid_at=now)).rowcount
        succeeded = session.execute(update(payments).where(payments.c.tenant_id == tenant_id,
                                                           payments.c.order_id == order.id,
                                                           payments.c.status == "pending")
                                    .values(status="succeeded", succeeded_at=now)).rowcount if moved else 0
    if not moved:
        session.refresh(order)  # the status it has now, for the refusal
        return False
    set_committed_value(order, "status", "paid")
    set_committed_value(order, "paid_at", now)
    if succeeded:
        set_committed_value(order.payment, "status", "succeeded")
        set_committed_value(order.payment, "succeeded_at", now)
    return True


# One statement, built once: the order's guarded move to paid, and its payment's to succeeded only if the
# order moved (the payment's guard joins the order's RETURNING).
_SETTLE_OFFLINE = text("""
WITH paid AS (
    UPDATE orders SET status = 'paid', paid_at = :now
    WHERE tenant_id = :tenant_id AND id = :order_id AND status = 'pending_payment'
    RETURNING tenant_id, id),
settled AS (
    UPDATE payments SET status = 'succeeded', succeeded_at = :now FROM paid
    WHERE payments.tenant_id = :tenant_id AND payments.order_id = :order_id AND payments.status = 'pending'
      AND payments.tenant_id = paid.tenant_id AND payments.order_id = paid.id
    RETURNING payments.id)
SELECT (SELECT count(*) FROM paid), (SELECT count(*) FROM settled)""")


def pending_stripe_intent_ids(session: Session, *, limit: int) -> list[str]:
    """The PaymentIntents of orders still awaiting payment, oldest first."""
    return list(session.scalars(
        select(Payment.intent_id)
        .join(Order)  # on the composite foreign key (tenant_id, order_id)
        .where(Payment.provider == "stripe", Payment.status == "pending", Payment.intent_id.is_not(None),
               Order.status == "pending_payment")
        .order_by(Payment.created_at)
        .limit(limit)
    ))


def pending_intent_id(session: Session, *, order_id: str) -> str | None:
    """The PaymentIntent of an order's Stripe payment, while that payment is still pending."""
    return session.scalars(
        select(Payment.intent_id).where(Payment.order_id == order_id, Payment.provider == "stripe",
                                        Payment.status == "pending", Payment.intent_id.is_not(None))
    ).one_or_none()


def _mark_succeeded(session: Session, *, payment_id: str) -> bool:
    # A webhook, a re-check and a timeout may report the same payment at once: this guard decides.
    return bool(session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "pending")
        .values(status="succeeded", succeeded_at=clock.now())
        .execution_options(synchronize_session="fetch")
    ).rowcount)


def _payment_for(session: Session, intent: gateway.IntentState) -> Payment | None:
    payment = session.scalars(select(Payment).where(Payment.intent_id == intent.id)).one_or_none()
    order_id = intent.metadata.get("order_id")
    if payment is None and order_id:
        # The intent was created but storing it never committed (a crash between): adopt it.
        payment = session.scalars(
            select(Payment).where(Payment.order_id == order_id, Payment.provider == "stripe",
                                  Payment.intent_id.is_(None))
        ).one_or_none()
        if payment is not None:
            payment.intent_id = intent.id
            session.flush()
    return payment
