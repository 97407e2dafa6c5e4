"""Payment jobs: re-check pending payments against Stripe, void the intents of cancelled orders, submit refunds."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs import job, periodic
from shop.orders.service import refunds
from shop.payments import config, gateway
from shop.payments import service as payments
from shop.payments.models import Payment

log = logging.getLogger("fission.shop.payments")

RECHECK_BATCH = 200


@periodic("shop.recheck_pending_payments", every=timedelta(minutes=1))
def recheck_pending_payments(session: Session) -> None:
    """Ask Stripe about every payment still pending, so a lost webhook still ends with the order paid."""
    credentials = config.stripe_credentials(session)
    if credentials is None:
        return
    for payment in payments.pending_stripe_payments(session, limit=RECHECK_BATCH):
        try:
            intent = gateway.retrieve_intent(credentials, payment.intent_id)
        except gateway.PaymentProviderError as error:
            log.warning("re-check of %s failed: %s", payment.intent_id, error)
            continue  # the next run asks again
        if intent.status == "succeeded":
            payments.record_intent_succeeded(session, intent=intent)


@job("shop.release_payment_intent")
def release_payment_intent(session: Session, *, order_id: str) -> None:
    """Void the PaymentIntent of a cancelled order; if it was paid after all, that payment is refunded."""
    payment = session.scalars(
        select(Payment).where(Payment.order_id == order_id, Payment.provider == "stripe",
                              Payment.status == "pending", Payment.intent_id.is_not(None))
    ).one_or_none()
    credentials = config.stripe_credentials(session)
    if payment is None or credentials is None:
        return
    try:
        intent = gateway.cancel_intent(credentials, payment.intent_id)
    except gateway.ProviderRefused:
        intent = gateway.retrieve_intent(credentials, payment.intent_id)  # why it cannot be voided
    if intent.status == "succeeded":
        payments.record_intent_succeeded(session, intent=intent)
    elif intent.status == "canceled":
        payments.record_intent_canceled(session, intent=intent)
    else:
        raise gateway.ProviderUnreachable(f"PaymentIntent {intent.id} is {intent.status}; trying again later")


@job("shop.submit_refund")
def submit_refund(session: Session, *, refund_id: str) -> None:
    """Ask Stripe for a pending refund (first time, or again after a crash or an outage) and record the answer."""
    refunds.submit_in(session, refund_id=refund_id)
