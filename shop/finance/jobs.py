"""Payout jobs: a Stripe Connect transfer per approved withdrawal, and re-reading recent transfers.

Both call Stripe, so both own their transactions (`own_transactions=True`): no transaction is open, and no row
locked, while Stripe answers.
"""

from __future__ import annotations

from datetime import timedelta

from core.jobs import job, periodic
from shop.finance import service
from shop.finance.service.withdrawals import PAY_JOB


@job(PAY_JOB, own_transactions=True)
def pay_withdrawal(*, withdrawal_id: str) -> None:
    """Transfer an approved Stripe Connect withdrawal's net amount (idempotency key `withdrawal:{id}:transfer`)."""
    service.pay(withdrawal_id=withdrawal_id)


@periodic("finance.recheck_transfers", every=timedelta(hours=1), own_transactions=True)
def recheck_transfers() -> None:
    """Ask Stripe about recent transfers again, so one reversed since shows in the reconciliation."""
    service.recheck_transfers()
