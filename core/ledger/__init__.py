"""A double-entry ledger: accounts, transactions whose entries sum to zero per currency, immutable entries.

Amounts are signed minor units, debit positive and credit negative, so every transaction's entries
sum to zero in each currency and so does the whole ledger. Balances are derived from the entries;
nothing caches them. Accounts are named by their owners (`distributor:{id}:available`); the ledger
knows no domain.
"""

from core.ledger.models import LedgerEntry, LedgerTransaction
from core.ledger.service import (
    Posting,
    Unbalanced,
    balances,
    credit_balances,
    post,
    post_many,
    totals_by_currency,
)

__all__ = [
    "LedgerEntry",
    "LedgerTransaction",
    "Posting",
    "Unbalanced",
    "balances",
    "credit_balances",
    "post",
    "post_many",
    "totals_by_currency",
]
