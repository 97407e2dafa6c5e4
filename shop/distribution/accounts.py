"""Ledger account names of commission money (core/ledger). Entries are debit positive.

Per distributor, credit-normal (what the shop owes it): `distributor:{id}:frozen` (accrued, in its
after-sales window), `:available` (settled, withdrawable), `:withdrawing` (requested, not yet paid),
and the two a payout credits: `:paid` (what reached the distributor) and `:fees` (what the shop kept as
its withdrawal fee). The distributor's `withdrawn` is `paid + fees`, the gross of its paid withdrawals.
The shop's side: `commissions:expense` (debit-normal) takes every accrual and gives back every clawback.

Movements: accrual Dr expense / Cr frozen; clawback and cancellation Dr frozen / Cr expense; settlement
Dr frozen / Cr available; a withdrawal request Dr available / Cr withdrawing (rejection or failure the
reverse); a payout Dr withdrawing (gross) / Cr paid (net) / Cr fees (fee).
"""

EXPENSE = "commissions:expense"
BUCKETS = ("frozen", "available", "withdrawing", "paid", "fees")


def account(distributor_id: str, bucket: str) -> str:
    """The ledger account of one of a distributor's buckets."""
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    return f"distributor:{distributor_id}:{bucket}"
