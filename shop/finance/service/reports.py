"""The commissions report: what moved through distributors' accounts in a period, and where balances stood at
its end, read from the ledger (set-based: one aggregate query for the flows, one for the balances)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.ledger import LedgerEntry, LedgerTransaction
from shop.finance import rules
from shop.finance.service.books import period, tenant_currency


def bucket_of_entry():
    """The ledger bucket of a distributor account's entry, in SQL (null for any other account)."""
    return case(*[(LedgerEntry.account.like(f"{rules.DISTRIBUTOR_PREFIX}%:{bucket}"), bucket)
                  for bucket in rules.LEDGER_BUCKETS], else_=None)


def flows(session: Session, *, start: datetime | None, end: datetime | None, currency: str) -> dict[tuple, int]:
    """Debit-positive sums over every distributor's accounts by (transaction kind, ledger bucket) in [start, end)."""
    bucket = bucket_of_entry().label("bucket")
    query = (select(LedgerTransaction.kind, bucket, func.sum(LedgerEntry.amount))
             .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
             .where(LedgerEntry.account.startswith(rules.DISTRIBUTOR_PREFIX), LedgerEntry.currency == currency)
             .group_by(LedgerTransaction.kind, bucket))
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return {(kind, found): int(total) for kind, found, total in session.execute(query) if found}


def bucket_totals(session: Session, *, end: datetime | None, currency: str) -> dict[str, int]:
    """Every distributor's accounts summed by ledger bucket before `end`, credit-positive (what is owed or paid)."""
    bucket = bucket_of_entry().label("bucket")
    query = (select(bucket, func.sum(LedgerEntry.amount))
             .where(LedgerEntry.account.startswith(rules.DISTRIBUTOR_PREFIX), LedgerEntry.currency == currency)
             .group_by(bucket))
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    totals = defaultdict(int)
    for found, total in session.execute(query):
        if found:
            totals[found] = -int(total)
    return totals


def commission_flows(moved: dict[tuple, int]) -> dict[str, int]:
    """The period's figures from `flows`: credit to a bucket is negative, debit positive."""
    def flow(kind: str, bucket: str) -> int:
        return moved.get((kind, bucket), 0)

    return {
        "accrued": -flow("commission.accrual", "frozen"),
        "clawed_back": flow("commission.clawback", "frozen"),
        "cancelled": flow("commission.cancel", "frozen"),
        "settled": flow("commission.settle", "frozen"),
        "requested": -flow("withdrawal.request", "withdrawing"),
        "returned": flow("withdrawal.reject", "withdrawing") + flow("withdrawal.fail", "withdrawing"),
        "withdrawn": flow("withdrawal.payout", "withdrawing"),
        "paid": -flow("withdrawal.payout", "paid"),
        "fees": -flow("withdrawal.payout", "fees"),
    }


def commissions_report(session: Session, *, start: date | datetime | None = None,
                       end: date | datetime | None = None) -> dict:
    """Flows within the period (accrued, clawed back, cancelled, settled, withdrawn gross, fees, and requested,
    returned and paid net) and every distributor's balances at its end (frozen, available, withdrawing)."""
    start, end = period(session, start, end)
    currency = tenant_currency(session)
    figures = commission_flows(flows(session, start=start, end=end, currency=currency))
    balances = bucket_totals(session, end=end, currency=currency)
    return {"currency": currency, "start": start, "end": end, **figures,
            "frozen": balances["frozen"], "available": balances["available"], "withdrawing": balances["withdrawing"]}
