"""Order jobs: the unpaid timeout, auto-completion, and the end of the after-sales window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import clock, jobs
from core.jobs import job
from shop.orders.service import lifecycle
from shop.orders.service.queries import find_order
from shop.payments import config, gateway
from shop.payments import service as payments

# Stripe may still be settling a payment (`processing`) at the deadline: look again this much later.
PROCESSING_RECHECK = timedelta(minutes=10)


@job("shop.expire_unpaid_order")
def expire_unpaid_order(session: Session, *, order_id: str) -> None:
    """Cancel an order still unpaid at its deadline, releasing what it held, unless Stripe says it was paid."""
    order = find_order(session, order_id=order_id)
    if order is None or order.status != "pending_payment":
        return
    payment = order.payment
    credentials = config.stripe_credentials(session)
    if payment.provider == "stripe" and payment.intent_id and credentials is not None:
        # Ask before cancelling: a lost webhook must not turn a paid order into a cancelled one.
        intent = gateway.retrieve_intent(credentials, payment.intent_id)
        if intent.status == "succeeded":
            payments.record_intent_succeeded(session, intent=intent)
            return
        if intent.status == "processing":
            later = clock.now() + PROCESSING_RECHECK
            jobs.enqueue(session, "shop.expire_unpaid_order", key=f"order:{order_id}:expire:{later.isoformat()}",
                         run_at=later, order_id=order_id)
            return
    lifecycle.cancel(session, order_id=order_id, reason="payment_timeout")


@job("shop.auto_complete_order")
def auto_complete_order(session: Session, *, order_id: str) -> None:
    """Complete a shipped order the consumer never confirmed, `auto_complete_days` after shipping."""
    lifecycle.complete(session, order_id=order_id)


@job("shop.close_after_sales")
def close_after_sales(session: Session, *, order_id: str) -> None:
    """End the after-sales window of a completed order (publishes AfterSalesClosed once)."""
    lifecycle.close_after_sales(session, order_id=order_id)
