"""Finance services: withdrawals and payouts, the ledger's accounts and entries, statements, reports and the
reconciliation (each with an `iter_…` twin that streams its rows for CSV)."""

from shop.finance.service.books import (
    iter_accounts,
    iter_entries,
    iter_trial_balance,
    list_accounts,
    list_entries,
    trial_balance,
)
from shop.finance.service.payout_accounts import my_payout_account, set_payout_account
from shop.finance.service.payouts import pay, recheck_transfers
from shop.finance.service.reconciliation import iter_discrepancies, list_discrepancies, reconciliation
from shop.finance.service.reports import commissions_report
from shop.finance.service.statements import iter_statement, statement
from shop.finance.service.withdrawals import (
    approve,
    get_withdrawal,
    iter_withdrawals,
    list_withdrawals,
    mark_paid,
    my_withdrawals,
    open_totals,
    reject,
    request_withdrawal,
    retry_payout,
)

__all__ = [
    "approve",
    "commissions_report",
    "get_withdrawal",
    "iter_accounts",
    "iter_discrepancies",
    "iter_entries",
    "iter_statement",
    "iter_trial_balance",
    "iter_withdrawals",
    "list_accounts",
    "list_discrepancies",
    "list_entries",
    "list_withdrawals",
    "mark_paid",
    "my_payout_account",
    "my_withdrawals",
    "open_totals",
    "pay",
    "recheck_transfers",
    "reconciliation",
    "reject",
    "request_withdrawal",
    "retry_payout",
    "set_payout_account",
    "statement",
    "trial_balance",
]
