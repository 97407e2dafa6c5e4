"""Payment jobs: re-check pending payments against Stripe, void the intents of cancelled orders, submit refunds.

Each calls Stripe, so each owns its transactions (`own_transactions=True`): it reads what it needs
and commits, calls Stripe with no transaction open and no row locked, then records each answer in
a short transaction whose writes are guarded on state (a payment moves `pending -> succeeded` once,
a refund settles once), which also makes a second run of the job harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.db import unit_of_work
from core.jobs import job, periodic
from shop.orders.service import refunds
from shop.payments import config, gateway
from shop.payments import service as payments

log = logging.getLogger("fission.shop.payments")

RECHECK_BATCH = 200


@periodic("shop.recheck_pending_payments", every=timedelta(minutes=1), own_transactions=True)
def recheck_pending_payments() -> None:
    """Ask Stripe about every payment still pending, so a lost webhook still ends with the order paid."""
    with unit_of_work() as session:
        credentials = config.stripe_credentials(session)
        intent_ids = payments.pending_stripe_intent_ids(session, limit=RECHECK_BATCH) if credentials else []
    for intent_id in intent_ids:
        try:
            intent = gateway.retrieve_intent(credentials, intent_id)
        except gateway.PaymentProviderError as error:
            log.warning("re-check of %s failed: %s", intent_id, error)
            continue  # the next run asks again
        if intent.status == "succeeded":
            with unit_of_work() as session:
                payments.record_intent_succeeded(session, intent=intent)


@job("shop.release_payment_intent", own_transactions=True)
def release_payment_intent(*, order_id: str) -> None:
    """Void the PaymentIntent of a cancelled order; if it was paid after all, that payment is refunded."""
    with unit_of_work() as session:
        intent_id = payments.pending_intent_id(session, order_id=order_id)
        credentials = config.stripe_credentials(session)
    if intent_id is None or credentials is None:
        return
    try:
        intent = gateway.cancel_intent(credentials, intent_id)
    except gateway.ProviderRefused:
        intent = gateway.retrieve_intent(credentials, intent_id)  # why it cannot be voided
    if intent.status not in ("succeeded", "canceled"):
        raise gateway.ProviderUnreachable(f"PaymentIntent {intent.id} is {intent.status}; trying again later")
    with unit_of_work() as session:
        if intent.status == "succeeded":
            payments.record_intent_succeeded(session, intent=intent)
        else:
            payments.record_intent_canceled(session, intent=intent)


@job("shop.submit_refund", own_transactions=True)
def submit_refund(*, refund_id: str) -> None:
    """Ask Stripe for a pending refund (first time, or again after a crash or an outage) and record the answer."""
    refunds.submit_or_retry(refund_id=refund_id)
