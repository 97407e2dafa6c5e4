"""A distributor's statement for a period: what the shop owes it by bucket (frozen, available, withdrawing) at the
start and the end, and every movement between, from its ledger accounts. Amounts are credit-positive (what the
shop owes it): each bucket's lines add up to its closing balance less its opening one, and so do all the lines
together, by construction: they are the same entries. A payout is a line taking its gross out of `withdrawing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ledger
from core.ledger import LedgerEntry, LedgerTransaction
from shop.distribution import service as distribution
from shop.distribution.accounts import account
from shop.finance import rules
from shop.finance.service.books import period, tenant_currency

# What a transaction's reference names, by its kind's family.
_REFERENCE_FIELD = {"commission": "order_id", "withdrawal": "withdrawal_id"}


def statement(session: Session, *, distributor_id: str, start: date | datetime | None = None,
              end: date | datetime | None = None) -> dict:
    """The statement: opening and closing balances (frozen, available, withdrawing) and the lines between."""
    start, end = period(session, start, end)
    head = _head(session, distributor_id=distributor_id, start=start, end=end)
    return {**head, "lines": list(_lines(session, distributor_id=distributor_id, start=start, end=end))}


def iter_statement(session: Session, *, distributor_id: str, start: date | datetime | None = None,
                   end: date | datetime | None = None) -> Iterator[dict]:
    """The statement as CSV rows: one per line, each carrying the statement's distributor, period, opening and
    closing balances, and the bucket's running balance after the line (for CSV)."""
    start, end = period(session, start, end)
    head = _head(session, distributor_id=distributor_id, start=start, end=end)
    running = dict(head["opening"])
    for line in _lines(session, distributor_id=distributor_id, start=start, end=end):
        running[line["bucket"]] += line["amount"]
        yield {**head, **line, "balance": running[line["bucket"]]}


def _head(session: Session, *, distributor_id: str, start, end) -> dict:
    distributor = distribution.get_distributor(session, distributor_id=distributor_id)
    currency = tenant_currency(session)
    return {"distributor_id": distributor.id, "currency": currency, "start": start, "end": end,
            # Without a start the statement opens at the beginning, with nothing.
            "opening": (balances_at(session, distributor_id=distributor.id, currency=currency, at=start)
                        if start is not None else rules.statement_balances({})),
            "closing": balances_at(session, distributor_id=distributor.id, currency=currency, at=end)}


def balances_at(session: Session, *, distributor_id: str, currency: str, at: datetime | None) -> dict[str, int]:
    """The distributor's statement buckets (credit-positive) from the entries before `at` (all, without it)."""
    codes = {account(distributor_id, bucket): bucket for bucket in rules.STATEMENT_BUCKETS}
    found = ledger.balances(session, accounts=list(codes), before=at)
    return rules.statement_balances({codes[code]: -amount for (code, entry_currency), amount in found.items()
                                     if entry_currency == currency})


def _lines(session: Session, *, distributor_id: str, start, end) -> Iterator[dict]:
    codes = {account(distributor_id, bucket): bucket for bucket in rules.STATEMENT_BUCKETS}
    query = (select(LedgerEntry.account, LedgerEntry.amount, LedgerEntry.created_at, LedgerEntry.transaction_id,
                    LedgerTransaction.kind, LedgerTransaction.reference)
             .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
             .where(LedgerEntry.account.in_(list(codes)), LedgerEntry.currency == tenant_currency(session))
             # Within a transaction the bucket that gives comes first, then the one that takes (debits first).
             .order_by(LedgerEntry.created_at, LedgerEntry.transaction_id, LedgerEntry.amount.desc()))
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield _line(row, codes[row.account])


def _line(row, bucket: str) -> dict:
    family = row.kind.split(".", 1)[0]
    line = {"at": row.created_at, "kind": row.kind, "bucket": bucket, "amount": -row.amount, "order_id": None,
            "withdrawal_id": None, "settlement_id": None, "transaction_id": row.transaction_id}
    if row.kind == "commission.settle":
        line["settlement_id"] = row.reference
    elif family in _REFERENCE_FIELD:
        line[_REFERENCE_FIELD[family]] = row.reference
    return line
