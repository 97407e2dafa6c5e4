"""Stripe Connect payouts: the transfer of an approved withdrawal's net amount, and re-reading transfers later.

These own their transactions (they run in `own_transactions` jobs): what is needed is read and committed, Stripe
is called with no transaction open and no row locked, and the answer is recorded in a short transaction whose
writes are guarded on the withdrawal's state. The transfer carries the idempotency key
`withdrawal:{id}:transfer`, so a run that dies between Stripe's answer and our commit is run again by the job's
retry, gets the same transfer back from Stripe, and records it: one transfer, however many runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock, faults
from core.db import insert_ignoring_conflicts, unit_of_work
from core.tenancy import require_tenant_id
from shop.finance.models import Transfer, Withdrawal
from shop.finance.service.withdrawals import post_payout, post_return
from shop.payments import config as payments_config
from shop.payments import gateway

RECHECK_BATCH = 100
RECHECK_WITHIN = timedelta(days=90)  # transfers reversed later than this are past what the books still expect
RECHECK_EVERY = timedelta(hours=6)


def pay(*, withdrawal_id: str) -> str:
    """Transfer a processing withdrawal's net amount to its account and record the outcome; returns it.

    Stripe refusing the transfer fails the withdrawal and gives the amount back; Stripe unreachable raises
    (ProviderUnreachable) so the job is retried later with the same idempotency key.
    """
    with unit_of_work() as session:
        withdrawal = _withdrawal(session, withdrawal_id)
        if withdrawal is None or withdrawal.status != "processing":
            return "nothing to do"
        credentials = payments_config.connect_credentials(session)
        amount, currency, destination = withdrawal.net_amount, withdrawal.currency, withdrawal.destination
        distributor_id = withdrawal.distributor_id
    if credentials is None:
        with unit_of_work() as session:
            record_failure(session, withdrawal_id=withdrawal_id, message="Stripe credentials are no longer configured")
        return "failed"
    group = f"withdrawal:{withdrawal_id}"
    try:
        # A run that died after Stripe's answer left a transfer we never recorded: find it first (Stripe keeps an
        # idempotency key only for a day; a payout stuck longer is retried too), else make it, keyed all the same.
        transfer = gateway.find_transfer(credentials, transfer_group=group) or gateway.create_transfer(
            credentials, amount=amount, currency=currency, destination=destination,
            metadata={"withdrawal_id": withdrawal_id, "distributor_id": distributor_id},
            transfer_group=group, idempotency_key=f"withdrawal:{withdrawal_id}:transfer")
    except gateway.ProviderRefused as refusal:
        with unit_of_work() as session:
            record_failure(session, withdrawal_id=withdrawal_id, message=refusal.message)
        return "failed"
    faults.reached("finance.transfer_created")  # a crash here is what the idempotency key is for
    with unit_of_work() as session:
        record_transfer(session, withdrawal_id=withdrawal_id, transfer=transfer)
    return "paid"


def record_transfer(session: Session, *, withdrawal_id: str, transfer: gateway.TransferState) -> None:
    """Stripe made the transfer: keep it, and processing -> paid with its id (once)."""
    now = clock.now()
    insert_ignoring_conflicts(session, Transfer.__table__, {
        "tenant_id": require_tenant_id(), "id": transfer.id, "withdrawal_id": withdrawal_id, "amount": transfer.amount,
        "currency": transfer.currency, "destination": transfer.destination, "reversed": transfer.reversed,
        "amount_reversed": transfer.amount_reversed, "created_at": datetime.fromtimestamp(transfer.created, UTC),
        "checked_at": now}, index_elements=["tenant_id", "withdrawal_id"])
    if _moved(session, withdrawal_id, status="paid", transfer_id=transfer.id, paid_at=now):
        post_payout(session, _withdrawal(session, withdrawal_id), at=now)


def record_failure(session: Session, *, withdrawal_id: str, message: str) -> None:
    """Stripe refused the transfer: processing -> failed (once), and the amount back to `available`."""
    now = clock.now()
    if _moved(session, withdrawal_id, status="failed", failure_message=message[:2000], failed_at=now):
        post_return(session, _withdrawal(session, withdrawal_id), at=now)


def _moved(session: Session, withdrawal_id: str, **values) -> bool:
    # A second run of the job (after a crash, or delivered twice) finds it moved already and changes nothing.
    return bool(session.execute(
        update(Withdrawal).where(Withdrawal.id == withdrawal_id, Withdrawal.status == "processing")
        .values(updated_at=clock.now(), **values).execution_options(synchronize_session=False)
    ).rowcount)


def _withdrawal(session: Session, withdrawal_id: str) -> Withdrawal | None:
    return session.scalars(select(Withdrawal).where(Withdrawal.id == withdrawal_id)
                           .execution_options(populate_existing=True)).one_or_none()


def recheck_transfers(*, limit: int = RECHECK_BATCH) -> int:
    """Ask Stripe again about recent transfers not checked for a while (one may have been reversed since), and
    keep what it says; returns how many were checked. The reconciliation compares them with their withdrawals."""
    now = clock.now()
    with unit_of_work() as session:
        credentials = payments_config.connect_credentials(session)
        due = list(session.scalars(
            select(Transfer.id).where(Transfer.created_at > now - RECHECK_WITHIN,
                                      Transfer.checked_at < now - RECHECK_EVERY)
            .order_by(Transfer.checked_at).limit(limit)))
    if credentials is None:
        return 0
    checked = 0
    for transfer_id in due:
        try:
            transfer = gateway.retrieve_transfer(credentials, transfer_id)
        except gateway.PaymentProviderError:
            continue  # asked again on the next run
        with unit_of_work() as session:
            session.execute(update(Transfer).where(Transfer.id == transfer_id).values(
                amount=transfer.amount, currency=transfer.currency, destination=transfer.destination,
                reversed=transfer.reversed, amount_reversed=transfer.amount_reversed, checked_at=clock.now()))
        checked += 1
    return checked
