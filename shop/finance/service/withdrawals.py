"""Withdrawals: a distributor asks for part of its available balance; finance approves, rejects or records the
manual payout. Each move is one UPDATE guarded on the prior status and posts its ledger transaction, keyed by
the withdrawal, in the same transaction:

- request: Dr `available` / Cr `withdrawing` (the amount leaves `available` at once);
- rejection, or a failed transfer: Dr `withdrawing` / Cr `available` (key `withdrawal:{id}:return`: one of
  them, once);
- payout: Dr `withdrawing` (gross) / Cr `paid` (net: the cash that reached the distributor) / Cr `fees`
  (what the shop kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import clock, jobs, ledger
from core.api import Page
from core.errors import InvalidState, NotFound
from core.ids import new_id
from core.pagination import paginate
from shop.distribution import service as distribution
from shop.distribution.accounts import account
from shop.finance import rules
from shop.finance.errors import (
    BelowMinimumWithdrawal,
    InsufficientBalance,
    PayoutAccountMissing,
    PayoutProviderNotConfigured,
)
from shop.finance.models import OPEN, Withdrawal
from shop.finance.service.payout_accounts import payout_account_of
from shop.payments import config as payments_config
from tenants.platform.models import Tenant
from tenants.settings.service import section

PAY_JOB = "finance.pay_withdrawal"


def request_withdrawal(session: Session, *, customer_id: str, amount: int) -> Withdrawal:
    """Take `amount` out of the customer's available balance into a withdrawal awaiting finance.

    Refusals: NotFound (no distributor account), BelowMinimumWithdrawal (an amount equal to the minimum is
    fine; so is one whose fee would leave nothing), PayoutAccountMissing (stripe_connect, no `acct_…`
    account), InsufficientBalance.
    """
    # Two requests of one distributor at once (ten taps on "withdraw"): its account row is locked first, so
    # the second reads the balance only once the first has committed (or rolled back) and decides on that.
    distributor = distribution.find_account(session, customer_id=customer_id, lock=True)
    if distributor is None:
        raise NotFound("You have no distributor account")
    settings = section(session, "distribution")
    if amount < settings["min_withdrawal"]:
        raise BelowMinimumWithdrawal(f"The minimum withdrawal is {settings['min_withdrawal']}")
    fee_rate = Decimal(settings["withdrawal_fee_rate"])
    split = rules.split(amount, fee_rate=fee_rate)
    if split.net_amount <= 0:
        raise BelowMinimumWithdrawal("Nothing would be left of this amount after the withdrawal fee")
    method, destination = settings["payout_method"], None
    if method == "stripe_connect":
        payout_account = payout_account_of(session, distributor_id=distributor.id)
        destination = payout_account.stripe_account_id if payout_account else None
        if not rules.is_stripe_account(destination):
            raise PayoutAccountMissing()
    currency = session.get(Tenant, distributor.tenant_id).currency
    available = available_balance(session, distributor_id=distributor.id, currency=currency)
    if amount > available:
        raise InsufficientBalance(f"{available} is available")
    now = clock.now()
    withdrawal = Withdrawal(
        id=new_id("wdr"), distributor_id=distributor.id, amount=split.amount, fee=split.fee,
        net_amount=split.net_amount, fee_rate=str(fee_rate), currency=currency, method=method, status="requested",
        destination=destination, created_at=now, updated_at=now)
    session.add(withdrawal)
    session.flush()
    _post(session, withdrawal, "request", debit="available", credit="withdrawing", at=now)
    return withdrawal


def available_balance(session: Session, *, distributor_id: str, currency: str) -> int:
    """What a distributor may withdraw now, from its ledger account."""
    code = account(distributor_id, "available")
    return ledger.credit_balances(session, accounts=[code]).get((code, currency), 0)


def approve(session: Session, *, withdrawal_id: str, actor: str | None = None) -> Withdrawal:
    """requested -> approved (manual: finance pays it by hand) or processing (stripe_connect: a job transfers
    the net amount; its outcome marks it paid or failed)."""
    withdrawal = get_withdrawal(session, withdrawal_id=withdrawal_id)
    if (withdrawal.method == "stripe_connect" and withdrawal.status == "requested"
            and payments_config.connect_credentials(session) is None):
        raise PayoutProviderNotConfigured()
    now = clock.now()
    _move(session, withdrawal, "approve", approved_at=now, approved_by=actor)
    if withdrawal.status == "processing":
        jobs.enqueue(session, PAY_JOB, key=f"withdrawal:{withdrawal.id}:pay", withdrawal_id=withdrawal.id)
    return withdrawal


def reject(session: Session, *, withdrawal_id: str, reason: str, actor: str | None = None) -> Withdrawal:
    """requested (or a manual approved one not yet paid) -> rejected: the amount goes back to `available`."""
    withdrawal = get_withdrawal(session, withdrawal_id=withdrawal_id)
    now = clock.now()
    _move(session, withdrawal, "reject", rejected_at=now, rejected_by=actor, rejection_reason=reason)
    _post(session, withdrawal, "return", debit="withdrawing", credit="available", kind="withdrawal.reject", at=now)
    return withdrawal


def mark_paid(session: Session, *, withdrawal_id: str, reference: str, actor: str | None = None) -> Withdrawal:
    """A manual approved withdrawal -> paid: finance paid it by hand; `reference` is the bank's."""
    withdrawal = get_withdrawal(session, withdrawal_id=withdrawal_id)
    now = clock.now()
    _move(session, withdrawal, "mark_paid", paid_at=now, paid_by=actor, reference=reference)
    post_payout(session, withdrawal, at=now)
    return withdrawal


def retry_payout(session: Session, *, withdrawal_id: str) -> Withdrawal:
    """A Stripe payout still processing (its job gave up on a Stripe it could not reach): try the transfer again.
    Safe whenever: the job looks for a transfer already made for the withdrawal before making one."""
    withdrawal = get_withdrawal(session, withdrawal_id=withdrawal_id)
    if withdrawal.status != "processing":
        raise InvalidState(f"Only a processing Stripe payout is retried; this one is {withdrawal.status}")
    jobs.enqueue(session, PAY_JOB, key=f"withdrawal:{withdrawal.id}:pay:{new_id('try')}", withdrawal_id=withdrawal.id)
    return withdrawal


def _move(session: Session, withdrawal: Withdrawal, name: str, **values) -> None:
    allowed, target = rules.move(name, method=withdrawal.method)
    # A clerk's click, a second clerk's and the payout job may race on one withdrawal: the guard decides.
    moved = session.execute(
        update(Withdrawal).where(Withdrawal.id == withdrawal.id, Withdrawal.status.in_(allowed))
        .values(status=target, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(withdrawal)
    if not moved:
        raise InvalidState(f"A {withdrawal.status} {withdrawal.method} withdrawal cannot be {_PAST[name]}")


_PAST = {"approve": "approved", "reject": "rejected", "mark_paid": "marked paid"}


def post_payout(session: Session, withdrawal: Withdrawal, *, at) -> None:
    """The money left: Dr withdrawing (gross) / Cr paid (net, cash to the distributor) / Cr fees (fee income)."""
    legs = [ledger.Posting(account(withdrawal.distributor_id, "withdrawing"), withdrawal.amount, withdrawal.currency),
            ledger.Posting(account(withdrawal.distributor_id, "paid"), -withdrawal.net_amount, withdrawal.currency),
            ledger.Posting(account(withdrawal.distributor_id, "fees"), -withdrawal.fee, withdrawal.currency)]
    ledger.post(session, kind="withdrawal.payout", key=f"withdrawal:{withdrawal.id}:payout", reference=withdrawal.id,
                postings=legs, at=at)


def post_return(session: Session, withdrawal: Withdrawal, *, at) -> None:
    """A failed transfer gives the amount back: Dr withdrawing / Cr available."""
    _post(session, withdrawal, "return", debit="withdrawing", credit="available", kind="withdrawal.fail", at=at)


def _post(session: Session, withdrawal: Withdrawal, effect: str, *, debit: str, credit: str, at,
          kind: str | None = None) -> None:
    amount = withdrawal.amount
    ledger.post(session, kind=kind or f"withdrawal.{effect}", key=f"withdrawal:{withdrawal.id}:{effect}",
                reference=withdrawal.id, at=at,
                postings=[ledger.Posting(account(withdrawal.distributor_id, debit), amount, withdrawal.currency),
                          ledger.Posting(account(withdrawal.distributor_id, credit), -amount, withdrawal.currency)])


def get_withdrawal(session: Session, *, withdrawal_id: str) -> Withdrawal:
    withdrawal = session.scalars(select(Withdrawal).where(Withdrawal.id == withdrawal_id)).one_or_none()
    if withdrawal is None:
        raise NotFound("No such withdrawal")
    return withdrawal


def list_withdrawals(session: Session, *, status: str | None = None, distributor_id: str | None = None, limit: int,
                     starting_after: str | None) -> Page:
    """Withdrawals newest first, by status or distributor."""
    return paginate(session, _filtered(status=status, distributor_id=distributor_id), id_column=Withdrawal.id,
                    limit=limit, starting_after=starting_after)


def iter_withdrawals(session: Session, *, status: str | None = None,
                     distributor_id: str | None = None) -> Iterator[Withdrawal]:
    """Every withdrawal matching the filters, newest first, read in chunks (for CSV)."""
    query = _filtered(status=status, distributor_id=distributor_id).order_by(Withdrawal.id.desc())
    yield from session.scalars(query.execution_options(yield_per=500))


def _filtered(*, status: str | None, distributor_id: str | None):
    query = select(Withdrawal)
    if status:
        query = query.where(Withdrawal.status == status)
    if distributor_id:
        query = query.where(Withdrawal.distributor_id == distributor_id)
    return query


def my_withdrawals(session: Session, *, customer_id: str, status: str | None = None, limit: int,
                   starting_after: str | None) -> Page:
    """The customer's own withdrawals, newest first; 404 without a distributor account."""
    distributor = distribution.find_account(session, customer_id=customer_id)
    if distributor is None:
        raise NotFound("You have no distributor account")
    return list_withdrawals(session, status=status, distributor_id=distributor.id, limit=limit,
                            starting_after=starting_after)


def open_totals(session: Session) -> dict[str, dict[str, int]]:
    """Withdrawals still open, by status (requested: waiting for finance's decision; approved: to be paid by
    hand; processing: a Stripe payout under way): how many, and their gross amount."""
    totals = {status: {"count": 0, "amount": 0} for status in OPEN}
    rows = session.execute(select(Withdrawal.status, func.count(), func.coalesce(func.sum(Withdrawal.amount), 0))
                           .where(Withdrawal.status.in_(OPEN)).group_by(Withdrawal.status))
    for status, count, amount in rows:
        totals[status] = {"count": count, "amount": int(amount)}
    return totals
