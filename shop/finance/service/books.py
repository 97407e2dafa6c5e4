"""The ledger as finance reads it: accounts with their balances, entries, and the trial balance.

Balances are debit-positive, as the ledger keeps them: a distributor's accounts (what the shop owes it, or paid
it) are negative, the commission expense positive, and every currency sums to zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from core.api import Page
from core.ledger import LedgerEntry, LedgerTransaction
from core.periods import period_bounds
from core.tenancy import require_tenant_id
from shop.finance import rules
from tenants.platform.models import Tenant


def tenant_currency(session: Session) -> str:
    return session.get(Tenant, require_tenant_id()).currency


def period(session: Session, start: date | datetime | None, end: date | datetime | None
           ) -> tuple[datetime | None, datetime | None]:
    """A report's period as [from, to) instants in the tenant's timezone; 422 if it ends before it starts."""
    return period_bounds(start, end, timezone=session.get(Tenant, require_tenant_id()).timezone)


def in_period(column, start: datetime | None, end: datetime | None) -> list:
    """Conditions keeping `column` in [start, end) (either end may be open)."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def list_accounts(session: Session, *, prefix: str | None = None, currency: str | None = None, limit: int,
                  starting_after: str | None) -> Page:
    """Accounts by name with their balances, a page at a time (`starting_after` is an account name)."""
    rows = list(_accounts(session, prefix=prefix, currency=currency, after=starting_after, limit=limit + 1))
    return Page(rows[:limit], has_more=len(rows) > limit)


def iter_accounts(session: Session, *, prefix: str | None = None, currency: str | None = None) -> Iterator[dict]:
    """Every account matching the filters, by name (for CSV), a page of a thousand at a time."""
    after = None
    while True:
        rows = list(_accounts(session, prefix=prefix, currency=currency, after=after, limit=1000))
        yield from rows
        if len(rows) < 1000:
            return
        after = rows[-1]["account"]


def _accounts(session: Session, *, prefix: str | None, currency: str | None, after: str | None, limit: int):
    query = (select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount).label("balance"))
             .group_by(LedgerEntry.account, LedgerEntry.currency)
             .order_by(LedgerEntry.account, LedgerEntry.currency).limit(limit))
    if prefix:
        query = query.where(LedgerEntry.account.startswith(prefix, autoescape=True))
    if currency:
        query = query.where(LedgerEntry.currency == currency)
    if after:
        query = query.where(LedgerEntry.account > after)
    for row in session.execute(query):
        yield {"account": row.account, "currency": row.currency, "balance": int(row.balance)}


def list_entries(session: Session, *, account: str | None = None, reference: str | None = None,
                 transaction_id: str | None = None, start: date | datetime | None = None,
                 end: date | datetime | None = None, limit: int, starting_after: str | None) -> Page:
    """Entries newest first, each with its transaction's kind, key and reference."""
    start, end = period(session, start, end)
    query = _entries(account=account, reference=reference, transaction_id=transaction_id, start=start, end=end)
    if starting_after:
        query = query.where(LedgerEntry.id < starting_after)
    rows = [_entry(row) for row in session.execute(query.order_by(LedgerEntry.id.desc()).limit(limit + 1))]
    return Page(rows[:limit], has_more=len(rows) > limit)


def iter_entries(session: Session, *, account: str | None = None, reference: str | None = None,
                 transaction_id: str | None = None, start: date | datetime | None = None,
                 end: date | datetime | None = None) -> Iterator[dict]:
    """Every entry matching the filters, newest first, read in chunks (for CSV)."""
    start, end = period(session, start, end)
    query = _entries(account=account, reference=reference, transaction_id=transaction_id, start=start, end=end)
    for row in session.execute(query.order_by(LedgerEntry.id.desc()).execution_options(yield_per=1000)):
        yield _entry(row)


def _entries(*, account, reference, transaction_id, start, end):
    # Columns, not entities: a CSV of a million entries need not build a million ORM objects.
    query = select(LedgerEntry.id, LedgerEntry.transaction_id, LedgerEntry.account, LedgerEntry.amount,
                   LedgerEntry.currency, LedgerEntry.created_at, LedgerTransaction.kind, LedgerTransaction.key,
                   LedgerTransaction.reference).join(
        LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    if account:
        query = query.where(LedgerEntry.account == account)
    if reference:
        query = query.where(LedgerTransaction.reference == reference)
    if transaction_id:
        query = query.where(LedgerEntry.transaction_id == transaction_id)
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return query


def _entry(row) -> dict:
    return row._asdict()


def trial_balance(session: Session, *, start: date | datetime | None = None, end: date | datetime | None = None,
                  currency: str | None = None) -> dict:
    """Every account rolled into its line (all distributors' `available` are one line), each with its balance at
    the period's start, its debits and credits within it, and its balance at its end; the balances sum to 0."""
    start, end = period(session, start, end)
    currency = currency or tenant_currency(session)
    lines = _trial_balance_lines(session, start=start, end=end, currency=currency)
    return {"currency": currency, "start": start, "end": end, "accounts": lines,
            "total": sum(line["balance"] for line in lines),
            "debits": sum(line["debit"] for line in lines), "credits": sum(line["credit"] for line in lines)}


def iter_trial_balance(session: Session, *, start: date | datetime | None = None, end: date | datetime | None = None,
                       currency: str | None = None) -> Iterator[dict]:
    """The trial balance as CSV rows: one per line, then the total (for CSV)."""
    report = trial_balance(session, start=start, end=end, currency=currency)
    for line in report["accounts"]:
        yield {"currency": report["currency"], **line}
    yield {"currency": report["currency"], "account": "total", "type": "total",
           "description": "Every line: the books balance when this is 0",
           "opening": sum(line["opening"] for line in report["accounts"]), "debit": report["debits"],
           "credit": report["credits"], "balance": report["total"]}


def _trial_balance_lines(session: Session, *, start, end, currency: str) -> list[dict]:
    # Rolled up in the database (a line per kind of account, whatever the number of distributors).
    line = case(*[(LedgerEntry.account.like(f"{rules.DISTRIBUTOR_PREFIX}%:{bucket}"), f"distributors:{bucket}")
                  for bucket in rules.LEDGER_BUCKETS], else_=LedgerEntry.account).label("line")
    amount = LedgerEntry.amount
    after_start = [LedgerEntry.created_at >= start] if start is not None else []
    opening = func.sum(case((LedgerEntry.created_at < start, amount), else_=0)) if start is not None else literal(0)
    query = (select(line, opening, func.sum(case((and_(amount > 0, *after_start), amount), else_=0)),
                    func.sum(case((and_(amount < 0, *after_start), -amount), else_=0)))
             .where(LedgerEntry.currency == currency).group_by(line))
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    totals = {name: (int(opening or 0), int(debit or 0), int(credit or 0))
              for name, opening, debit, credit in session.execute(query)}
    known = [name for name, _kind, _description in rules.TRIAL_BALANCE_LINES]
    descriptions = {name: description for name, _kind, description in rules.TRIAL_BALANCE_LINES}
    lines = []
    for name in known + sorted(set(totals) - set(known)):
        opening, debit, credit = totals.get(name, (0, 0, 0))
        lines.append({"account": name, "type": rules.trial_balance_type(name),
                      "description": descriptions.get(name, ""), "opening": opening, "debit": debit,
                      "credit": credit, "balance": opening + debit - credit})
    return lines
