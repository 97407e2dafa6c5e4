"""Order jobs: the unpaid timeout, auto-completion, and the end of the after-sales window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import clock, jobs
from core.db import unit_of_work
from core.jobs import job
from shop.orders.service import lifecycle
from shop.orders.service.queries import find_order
from shop.payments import config, gateway
from shop.payments import service as payments

# Stripe may still be settling a payment (`processing`) at the deadline: look again this much later.
PROCESSING_RECHECK = timedelta(minutes=10)


@job("shop.expire_unpaid_order", own_transactions=True)
def expire_unpaid_order(*, order_id: str) -> None:
    """Cancel an order still unpaid at its deadline, releasing what it held, unless Stripe says it was paid.

    Asks Stripe with no transaction open; the cancellation is guarded on `pending_payment`, so a payment
    recorded meanwhile (a webhook) wins, and one recorded after it is refunded as paid after cancel.
    """
    with unit_of_work() as session:
        order = find_order(session, order_id=order_id)
        if order is None or order.status != "pending_payment":
            return
        credentials = config.stripe_credentials(session)
        intent_id = order.payment.intent_id if order.payment.provider == "stripe" else None
        if intent_id is None or credentials is None:
            lifecycle.cancel(session, order_id=order_id, reason="payment_timeout")
            return
    # Ask before cancelling: a lost webhook must not turn a paid order into a cancelled one.
    intent = gateway.retrieve_intent(credentials, intent_id)
    with unit_of_work() as session:
        if intent.status == "succeeded":
            payments.record_intent_succeeded(session, intent=intent)
        elif intent.status == "processing":
            later = clock.now() + PROCESSING_RECHECK
            jobs.enqueue(session, "shop.expire_unpaid_order", key=f"order:{order_id}:expire:{later.isoformat()}",
                         run_at=later, order_id=order_id)
        else:
            lifecycle.cancel(session, order_id=order_id, reason="payment_timeout")


@job("shop.auto_complete_order")
def auto_complete_order(session: Session, *, order_id: str) -> None:
    """Complete a shipped order the consumer never confirmed, `auto_complete_days` after shipping."""
    lifecycle.complete(session, order_id=order_id)


@job("shop.close_after_sales")
def close_after_sales(session: Session, *, order_id: str) -> None:
    """End the after-sales window of a completed order (publishes AfterSalesClosed once)."""
    lifecycle.close_after_sales(session, order_id=order_id)
