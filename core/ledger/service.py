"""Posting balanced transactions and reading balances from the entries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts, returning
from core.ids import new_id
from core.ledger.models import LedgerEntry, LedgerTransaction
from core.tenancy import require_tenant_id


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero in some currency: a programming error."""


@dataclass(frozen=True)
class Posting:
    """One leg to post: debit positive, credit negative."""

    account: str
    amount: int
    currency: str


def post(session: Session, *, kind: str, key: str, postings: Iterable[Posting], reference: str | None = None,
         at: datetime | None = None) -> str | None:
    """Record one balanced transaction once; returns its id, or None if `key` was posted before or nothing moves.

    Legs on the same account and currency are netted first, so a transaction holds one entry per account.
    Raw inserts (one statement on PostgreSQL, two on SQLite, whatever the number of legs), naming tenant_id.
    """
    tenant_id = require_tenant_id()
    legs = _netted(postings)
    if not legs:
        return None
    at = at or clock.now()
    transaction_id = new_id("ltx")
    if session.get_bind().dialect.name == "postgresql":
        posted = session.execute(_POST_TOGETHER, {
            "tenant_id": tenant_id, "transaction_id": transaction_id, "kind": kind, "key": key,
            "reference": reference, "at": at, **_leg_arrays(legs)}).scalar_one()
        return transaction_id if posted else None  # 0: this effect was recorded by an earlier run
    inserted = insert_ignoring_conflicts(
        session, LedgerTransaction.__table__,
        {"tenant_id": tenant_id, "id": transaction_id, "kind": kind, "key": key, "reference": reference,
         "created_at": at},
        index_elements=["tenant_id", "key"])
    if not inserted:
        return None  # this effect was recorded by an earlier run
    _insert_entries(session, tenant_id=tenant_id, transaction_id=transaction_id, at=at, legs=legs)
    return transaction_id


# PostgreSQL: the transaction and its legs in one round trip, a statement whose text never changes (the legs are
# arrays, unnested), so it is prepared once, where a multi-row VALUES of a settlement batch's 200 legs took
# longer to compile than to run. The legs are written only if the transaction was (its key not posted before:
# the INSERT's RETURNING is empty otherwise); their foreign key to it is checked at the end of the statement.
_POST_TOGETHER = returning(text(
    "WITH posted AS (INSERT INTO ledger_transactions (tenant_id, id, kind, key, reference, created_at) "
    "VALUES (:tenant_id, :transaction_id, :kind, :key, :reference, :at) "
    "ON CONFLICT (tenant_id, key) DO NOTHING RETURNING id), "
    "legs AS (INSERT INTO ledger_entries (tenant_id, id, transaction_id, account, currency, amount, created_at) "
    "SELECT :tenant_id, leg.id, posted.id, leg.account, leg.currency, leg.amount, :at FROM posted, "
    "unnest(CAST(:ids AS text[]), CAST(:accounts AS text[]), CAST(:currencies AS text[]), "
    "CAST(:amounts AS bigint[])) AS leg (id, account, currency, amount) RETURNING 1) "
    "SELECT count(*) FROM posted"), "posted")


def _leg_arrays(legs: dict[tuple[str, str], int]) -> dict:
    return {"ids": [new_id("len") for _ in legs], "accounts": [account for account, _currency in legs],
            "currencies": [currency for _account, currency in legs], "amounts": list(legs.values())}


def _insert_entries(session: Session, *, tenant_id: str, transaction_id: str, at: datetime,
                    legs: dict[tuple[str, str], int]) -> None:
    """SQLite (the embedded default): the legs after their transaction, in one executemany."""
    session.execute(LedgerEntry.__table__.insert(), [
        {"tenant_id": tenant_id, "id": new_id("len"), "transaction_id": transaction_id, "account": account,
         "currency": currency, "amount": amount, "created_at": at}
        for (account, currency), amount in legs.items()])


def post_many(session: Session, transactions: Iterable[dict]) -> list[str | None]:
    """Post several transactions (each the keyword arguments of `post`); returns their ids."""
    return [post(session, **transaction) for transaction in transactions]


def _netted(postings: Iterable[Posting]) -> dict[tuple[str, str], int]:
    legs: dict[tuple[str, str], int] = defaultdict(int)
    for posting in postings:
        if not isinstance(posting.amount, int) or isinstance(posting.amount, bool):
            raise TypeError("ledger amounts are ints of minor units")
        legs[(posting.account, posting.currency)] += posting.amount
    by_currency: dict[str, int] = defaultdict(int)
    for (_account, currency), amount in legs.items():
        by_currency[currency] += amount
    unbalanced = {currency: total for currency, total in by_currency.items() if total}
    if unbalanced:
        raise Unbalanced(f"entries do not sum to zero: {unbalanced}")
    return {leg: amount for leg, amount in legs.items() if amount}


def balances(session: Session, *, accounts: Iterable[str] | None = None, prefix: str | None = None,
             before: datetime | None = None) -> dict[tuple[str, str], int]:
    """Debit-positive balances by (account, currency), summed from the entries (optionally those before a time)."""
    query = select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(
        LedgerEntry.account, LedgerEntry.currency)
    if accounts is not None:
        query = query.where(LedgerEntry.account.in_(list(accounts)))
    if prefix is not None:
        query = query.where(LedgerEntry.account.startswith(prefix, autoescape=True))
    if before is not None:
        query = query.where(LedgerEntry.created_at < before)
    return {(account, currency): int(total) for account, currency, total in session.execute(query)}


def credit_balances(session: Session, *, accounts: Iterable[str]) -> dict[tuple[str, str], int]:
    """Balances of credit-normal accounts (what is owed), positive when in credit."""
    return {leg: -amount for leg, amount in balances(session, accounts=accounts).items()}


def totals_by_currency(session: Session) -> dict[str, int]:
    """The sum of every entry of the tenant, per currency: zero in every currency when the books balance."""
    query = select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.currency)
    return {currency: int(total) for currency, total in session.execute(query)}
