"""The reconciliation's checks: each finds, set-based, what does not tie between orders, commissions,
settlements, withdrawals, transfers and the ledger, and describes it as a discrepancy a clerk can follow up.

Kinds:
- `ledger_unbalanced`: the books (or one transaction) do not sum to zero in a currency;
- `commission_exceeds_rate`: a commission above what its rule allows on its line's net paid (paid less
  succeeded refunds);
- `commission_without_payment`: a commission on an order line that is missing or was never paid;
- `balance_mismatch`: a distributor's ledger account differs from what its commissions and withdrawals say
  (frozen = its frozen commissions; available + withdrawing + paid + fees = its settled ones; withdrawing = its
  open withdrawals; paid and fees = its paid withdrawals' net and fees), or the shop's commission expense
  differs from every commission still earned;
- `negative_balance`: a distributor's account below zero;
- `settlement_mismatch`: a completed run whose amount or count differs from its commissions or its postings;
- `withdrawal_ledger_mismatch`: a withdrawal whose postings are not what its state implies;
- `fee_mismatch`: a fee that is not round_half_up(amount x its rate), or a net that is not amount - fee;
- `payout_mismatch`: a transfer whose amount, currency, account or state differs from its withdrawal's (a paid
  Stripe withdrawal without its transfer, a reversed transfer, a transfer for a withdrawal not paid by Stripe);
- `payout_overdue`: a Stripe payout still processing a day after approval (the job keeps failing to reach Stripe).

Objects are checked when they were created in the period (all of them without one); the distributors' balances
and the books' total are checked as they stand (at the period's end, for the total).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Numeric, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from core import clock
from core.ledger import LedgerEntry, LedgerTransaction
from shop.distribution import rules as commission_rules
from shop.distribution.models import Commission, Settlement
from shop.finance import rules
from shop.finance.models import OPEN, Transfer, Withdrawal
from shop.finance.service.books import in_period
from shop.finance.service.reports import bucket_of_entry
from shop.orders.models import Order, OrderLine, Refund, RefundLine

FIELDS = ("kind", "distributor_id", "order_id", "line_id", "commission_id", "settlement_id", "withdrawal_id",
          "transaction_id", "transfer_id", "account", "currency", "expected", "actual", "message")
OVERDUE_AFTER = timedelta(days=1)


def discrepancy(kind: str, message: str, **fields) -> dict:
    return {**dict.fromkeys(FIELDS), **fields, "kind": kind, "message": message}


def find(session: Session, *, start: datetime | None, end: datetime | None, currency: str) -> Iterator[dict]:
    """Every discrepancy, check by check."""
    yield from unbalanced_books(session, end=end)
    yield from unbalanced_transactions(session, start=start, end=end)
    yield from commissions_above_their_rule(session, start=start, end=end)
    yield from commissions_without_payment(session, start=start, end=end)
    yield from distributor_balances(session, currency=currency)
    yield from settlements_that_do_not_add_up(session, start=start, end=end)
    yield from withdrawal_checks(session, start=start, end=end)


def unbalanced_books(session: Session, *, end: datetime | None) -> Iterator[dict]:
    query = select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.currency).having(
        func.sum(LedgerEntry.amount) != 0)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    for currency, total in session.execute(query):
        yield discrepancy("ledger_unbalanced", f"The books sum to {total} {currency}, not 0", currency=currency,
                          expected=0, actual=int(total))


def unbalanced_transactions(session: Session, *, start, end) -> Iterator[dict]:
    query = (select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
             .where(*in_period(LedgerEntry.created_at, start, end))
             .group_by(LedgerEntry.transaction_id, LedgerEntry.currency).having(func.sum(LedgerEntry.amount) != 0))
    for transaction_id, currency, total in session.execute(query):
        yield discrepancy("ledger_unbalanced", f"Transaction {transaction_id} sums to {total} {currency}, not 0",
                          transaction_id=transaction_id, currency=currency, expected=0, actual=int(total))


def _line_net():
    """Each order line's net paid: its total less what succeeded refunds took from it."""
    refunded = (select(RefundLine.line_id, func.sum(RefundLine.amount).label("refunded"))
                .join(Refund, Refund.id == RefundLine.refund_id)
                .where(Refund.status == "succeeded", Refund.kind == "merchant")
                .group_by(RefundLine.line_id).subquery("refunded"))
    return refunded, OrderLine.total - func.coalesce(refunded.c.refunded, 0)


def commissions_above_their_rule(session: Session, *, start, end) -> Iterator[dict]:
    refunded, net = _line_net()
    # amount > floor(x) exactly when amount > x, for an integer amount: no rounding in SQL. The candidates are
    # confirmed with the rule's own function (exact fractions) before they are reported.
    above = or_(and_(Commission.fixed_amount.is_(None), Commission.amount > net * cast(Commission.rate, Numeric)),
                and_(Commission.fixed_amount.is_not(None),
                     Commission.amount * OrderLine.total > Commission.fixed_amount * Commission.quantity * net))
    query = (select(Commission, OrderLine.total.label("line_total"), net.label("net"))
             .join(OrderLine, OrderLine.id == Commission.line_id)
             .outerjoin(refunded, refunded.c.line_id == Commission.line_id)
             .where(above, *in_period(Commission.created_at, start, end)))
    for commission, line_total, line_net in session.execute(query):
        rule = commission_rules.Rule(
            rate=Decimal(commission.rate) if commission.fixed_amount is None else None, fixed=commission.fixed_amount)
        allowed = commission_rules.commission_amount(rule, base=int(line_total), net=int(line_net),
                                                     quantity=commission.quantity)
        if commission.amount > allowed:
            yield discrepancy(
                "commission_exceeds_rate",
                f"Commission {commission.id} is {commission.amount}; its rule allows {allowed} on the line's net "
                f"paid {int(line_net)}", distributor_id=commission.distributor_id, order_id=commission.order_id,
                line_id=commission.line_id, commission_id=commission.id, currency=commission.currency,
                expected=allowed, actual=commission.amount)


def commissions_without_payment(session: Session, *, start, end) -> Iterator[dict]:
    query = (select(Commission.id, Commission.order_id, Commission.line_id, Commission.distributor_id,
                    Commission.amount, Commission.currency)
             .outerjoin(OrderLine, OrderLine.id == Commission.line_id)
             .outerjoin(Order, Order.id == OrderLine.order_id)
             .where(or_(OrderLine.id.is_(None), Order.paid_at.is_(None), Order.id != Commission.order_id),
                    *in_period(Commission.created_at, start, end)))
    for row in session.execute(query):
        yield discrepancy("commission_without_payment",
                          f"Commission {row.id} names order line {row.line_id}, which is missing or not paid",
                          distributor_id=row.distributor_id, order_id=row.order_id, line_id=row.line_id,
                          commission_id=row.id, currency=row.currency, expected=0, actual=row.amount)


def distributor_balances(session: Session, *, currency: str) -> Iterator[dict]:
    """Each distributor's ledger accounts against its commissions and withdrawals, as they stand now."""
    booked: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.LEDGER_BUCKETS, 0))
    ledger_query = (select(LedgerEntry.account, func.sum(LedgerEntry.amount))
                    .where(LedgerEntry.account.startswith(rules.DISTRIBUTOR_PREFIX), LedgerEntry.currency == currency)
                    .group_by(LedgerEntry.account))
    for code, total in session.execute(ledger_query.execution_options(yield_per=5000)):
        found = rules.distributor_bucket(code)
        if found and found[1] in rules.LEDGER_BUCKETS:
            booked[found[0]][found[1]] = -int(total)
    expected: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.LEDGER_BUCKETS, 0))
    earned = 0
    for distributor_id, status, total in session.execute(
            select(Commission.distributor_id, Commission.status, func.sum(Commission.amount))
            .where(Commission.currency == currency, Commission.status.in_(("frozen", "settled")))
            .group_by(Commission.distributor_id, Commission.status)):
        # Settled money sits in available until it is asked for; what is asked for or paid is taken off below.
        expected[distributor_id]["frozen" if status == "frozen" else "available"] += int(total)
        earned += int(total)
    for distributor_id, status, amount, net, fee in session.execute(
            select(Withdrawal.distributor_id, Withdrawal.status, func.sum(Withdrawal.amount),
                   func.sum(Withdrawal.net_amount), func.sum(Withdrawal.fee))
            .where(Withdrawal.currency == currency, Withdrawal.status.in_((*OPEN, "paid")))
            .group_by(Withdrawal.distributor_id, Withdrawal.status)):
        buckets = expected[distributor_id]
        buckets["available"] -= int(amount)
        if status == "paid":
            buckets["paid"] += int(net)
            buckets["fees"] += int(fee)
        else:
            buckets["withdrawing"] += int(amount)
    for distributor_id in sorted(set(booked) | set(expected)):
        for name in rules.LEDGER_BUCKETS:
            actual, wanted = booked[distributor_id][name], expected[distributor_id][name]
            code = f"{rules.DISTRIBUTOR_PREFIX}{distributor_id}:{name}"
            if actual != wanted:
                yield discrepancy("balance_mismatch", f"{code} is {actual}; its commissions and withdrawals say "
                                  f"{wanted}", distributor_id=distributor_id, account=code, currency=currency,
                                  expected=wanted, actual=actual)
            if actual < 0:
                yield discrepancy("negative_balance", f"{code} is below zero: {actual}", distributor_id=distributor_id,
                                  account=code, currency=currency, expected=0, actual=actual)
    expense = int(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.account == rules.EXPENSE, LedgerEntry.currency == currency)))
    if expense != earned:
        yield discrepancy("balance_mismatch", f"{rules.EXPENSE} is {expense}; the commissions still earned add up "
                          f"to {earned}", account=rules.EXPENSE, currency=currency, expected=earned, actual=expense)


def settlements_that_do_not_add_up(session: Session, *, start, end) -> Iterator[dict]:
    runs = list(session.scalars(select(Settlement).where(Settlement.status == "completed",
                                                         *in_period(Settlement.created_at, start, end))))
    if not runs:
        return
    ids = [run.id for run in runs]
    settled = {settlement_id: (int(count), int(total)) for settlement_id, count, total in session.execute(
        select(Commission.settlement_id, func.count(), func.sum(Commission.amount))
        .where(Commission.settlement_id.in_(ids)).group_by(Commission.settlement_id))}
    posted = {reference: -int(total) for reference, total in session.execute(
        select(LedgerTransaction.reference, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.kind == "commission.settle", LedgerTransaction.reference.in_(ids),
               LedgerEntry.account.like(f"{rules.DISTRIBUTOR_PREFIX}%:available"))
        .group_by(LedgerTransaction.reference))}
    for run in runs:
        count, total = settled.get(run.id, (0, 0))
        found = posted.get(run.id, 0)
        for wanted, actual, message in (
                (count, run.commissions, f"counts {run.commissions} commissions; {count} name it"),
                (total, run.amount, f"settled {run.amount}; the commissions that name it add up to {total}"),
                (run.amount, found, f"posted {found} to available, not its amount {run.amount}")):
            if wanted != actual:
                yield discrepancy("settlement_mismatch", f"Settlement {run.id} {message}", settlement_id=run.id,
                                  currency=run.currency, expected=wanted, actual=actual)


def withdrawal_checks(session: Session, *, start, end) -> Iterator[dict]:
    """Each withdrawal of the period: its fee, its postings, and its transfer."""
    query = (select(Withdrawal, Transfer).outerjoin(Transfer, Transfer.withdrawal_id == Withdrawal.id)
             .where(*in_period(Withdrawal.created_at, start, end)).order_by(Withdrawal.id))
    found = session.execute(query).all()
    if not found:
        return
    postings = _withdrawal_postings(session, [withdrawal.id for withdrawal, _transfer in found])
    now = clock.now()
    for withdrawal, transfer in found:
        yield from _fee(withdrawal)
        yield from _postings(withdrawal, postings.get(withdrawal.id, {}))
        yield from _transfer(withdrawal, transfer)
        approved_at = withdrawal.approved_at
        if withdrawal.status == "processing" and approved_at and now - approved_at > OVERDUE_AFTER:
            yield _about(withdrawal, "payout_overdue", f"Withdrawal {withdrawal.id} has waited for its Stripe transfer "
                         f"since {withdrawal.approved_at.isoformat()}")


def _withdrawal_postings(session: Session, withdrawal_ids: list[str]) -> dict[str, dict[tuple, int]]:
    bucket = bucket_of_entry().label("bucket")
    posted: dict[str, dict[tuple, int]] = defaultdict(dict)
    for start in range(0, len(withdrawal_ids), 1000):
        chunk = withdrawal_ids[start:start + 1000]
        for reference, kind, found, total in session.execute(
                select(LedgerTransaction.reference, LedgerTransaction.kind, bucket, func.sum(LedgerEntry.amount))
                .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                .where(LedgerTransaction.reference.in_(chunk), LedgerTransaction.kind.like("withdrawal.%"))
                .group_by(LedgerTransaction.reference, LedgerTransaction.kind, bucket)):
            posted[reference][(kind, found)] = int(total)
    return posted


def expected_postings(withdrawal: Withdrawal) -> dict[tuple, int]:
    """What a withdrawal in its state has posted, debit-positive by (kind, bucket)."""
    amount = withdrawal.amount
    expected = {("withdrawal.request", "available"): amount, ("withdrawal.request", "withdrawing"): -amount}
    returned = {"rejected": "withdrawal.reject", "failed": "withdrawal.fail"}.get(withdrawal.status)
    if returned:
        expected |= {(returned, "withdrawing"): amount, (returned, "available"): -amount}
    if withdrawal.status == "paid":
        expected |= {("withdrawal.payout", "withdrawing"): amount,
                     ("withdrawal.payout", "paid"): -withdrawal.net_amount}
        if withdrawal.fee:
            expected[("withdrawal.payout", "fees")] = -withdrawal.fee
    return expected


def _postings(withdrawal: Withdrawal, posted: dict[tuple, int]) -> Iterator[dict]:
    wanted = expected_postings(withdrawal)
    for key in sorted(set(wanted) | set(posted), key=str):
        if wanted.get(key, 0) != posted.get(key, 0):
            kind, bucket = key
            yield _about(withdrawal, "withdrawal_ledger_mismatch",
                         f"Withdrawal {withdrawal.id} ({withdrawal.status}) posted {posted.get(key, 0)} to {bucket} "
                         f"as {kind}, not {wanted.get(key, 0)}",
                         account=f"{rules.DISTRIBUTOR_PREFIX}{withdrawal.distributor_id}:{bucket}",
                         expected=wanted.get(key, 0), actual=posted.get(key, 0))


def _fee(withdrawal: Withdrawal) -> Iterator[dict]:
    split = rules.split(withdrawal.amount, fee_rate=Decimal(withdrawal.fee_rate))
    if (withdrawal.fee, withdrawal.net_amount) != (split.fee, split.net_amount):
        yield _about(withdrawal, "fee_mismatch", f"Withdrawal {withdrawal.id} of {withdrawal.amount} at "
                     f"{withdrawal.fee_rate} has fee {withdrawal.fee} and net {withdrawal.net_amount}, not "
                     f"{split.fee} and {split.net_amount}", expected=split.fee, actual=withdrawal.fee)


def _transfer(withdrawal: Withdrawal, transfer: Transfer | None) -> Iterator[dict]:
    by_stripe = withdrawal.method == "stripe_connect" and withdrawal.status == "paid"
    if not by_stripe:
        if transfer is not None:
            yield _about(withdrawal, "payout_mismatch", f"Transfer {transfer.id} paid withdrawal {withdrawal.id}, "
                         f"which is {withdrawal.status} ({withdrawal.method})", transfer_id=transfer.id,
                         expected=0, actual=transfer.amount)
        return
    if transfer is None:
        yield _about(withdrawal, "payout_mismatch", f"Withdrawal {withdrawal.id} is paid by Stripe, but no transfer "
                     "is recorded for it", transfer_id=withdrawal.transfer_id, expected=withdrawal.net_amount, actual=0)
        return
    problems = [
        (transfer.id != withdrawal.transfer_id, f"is {transfer.id}, the withdrawal names {withdrawal.transfer_id}"),
        (transfer.amount != withdrawal.net_amount,
         f"is of {transfer.amount}, the net amount is {withdrawal.net_amount}"),
        (transfer.currency != withdrawal.currency, f"is in {transfer.currency}, not {withdrawal.currency}"),
        (transfer.destination != withdrawal.destination,
         f"went to {transfer.destination}, not {withdrawal.destination}"),
        (transfer.reversed or transfer.amount_reversed > 0, f"was reversed ({transfer.amount_reversed})"),
    ]
    for wrong, what in problems:
        if wrong:
            yield _about(withdrawal, "payout_mismatch", f"The transfer of withdrawal {withdrawal.id} {what}",
                         transfer_id=transfer.id, expected=withdrawal.net_amount,
                         actual=transfer.amount - transfer.amount_reversed)


def _about(withdrawal: Withdrawal, kind: str, message: str, **fields) -> dict:
    return discrepancy(kind, message, distributor_id=withdrawal.distributor_id, withdrawal_id=withdrawal.id,
                       currency=withdrawal.currency, **fields)
