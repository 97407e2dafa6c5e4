"""Pure finance rules: a withdrawal's fee, which moves each state allows, report periods, and how the ledger's
account names read (whose bucket, which line of the trial balance). No database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from core.money import round_half_up

STRIPE_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]{1,250}$")


@dataclass(frozen=True)
class Split:
    """What a withdrawal of `amount` costs and pays."""

    amount: int
    fee: int
    net_amount: int


def split(amount: int, *, fee_rate: Decimal) -> Split:
    """fee = round_half_up(amount x rate), net = amount - fee: exact fractions, never floats."""
    fee = round_half_up(Fraction(amount) * Fraction(fee_rate))
    return Split(amount=amount, fee=fee, net_amount=amount - fee)


def is_stripe_account(value: str | None) -> bool:
    """A connected account id of Stripe's form (`acct_…`): checked for form only, never with Stripe."""
    return bool(value) and STRIPE_ACCOUNT.match(value) is not None


# Which states each move starts from (anything else is invalid_state), and where it leads, by payout method.
MOVES = {
    "approve": {"manual": (("requested",), "approved"), "stripe_connect": (("requested",), "processing")},
    # A manual withdrawal approved but not paid (the bank transfer could not be made) may still be rejected;
    # a Stripe one in flight may not: its job decides.
    "reject": {"manual": (("requested", "approved"), "rejected"), "stripe_connect": (("requested",), "rejected")},
    "mark_paid": {"manual": (("approved",), "paid"), "stripe_connect": ((), "paid")},
}


def move(name: str, *, method: str) -> tuple[tuple[str, ...], str]:
    """(states the move may start from, the state it leads to) for a withdrawal of `method`."""
    return MOVES[name][method]


# -- reading ledger account names (shop/distribution/accounts.py writes them) ---------------------------------

DISTRIBUTOR_PREFIX = "distributor:"
EXPENSE = "commissions:expense"
# The statement's buckets: what the shop owes the distributor, credit-positive. A payout takes its gross out of
# `withdrawing`: the money has left (into `paid` and `fees`, which are the shop's cash and fee income).
STATEMENT_BUCKETS = ("frozen", "available", "withdrawing")
LEDGER_BUCKETS = ("frozen", "available", "withdrawing", "paid", "fees")

# The trial balance's lines: every distributor's account of one kind rolled into one line, with what it is.
# The shop's commission expense is paid for by what it still owes (frozen, available, withdrawing), what left as
# cash to distributors (paid, net of fees), and what it kept as withdrawal fees (fee income).
TRIAL_BALANCE_LINES = (
    (EXPENSE, "expense", "Commissions earned by distributors (the shop's expense)"),
    ("distributors:frozen", "liability", "Owed, frozen in after-sales windows"),
    ("distributors:available", "liability", "Owed, settled and withdrawable"),
    ("distributors:withdrawing", "liability", "Owed, requested for withdrawal and not yet paid (gross)"),
    ("distributors:paid", "cash", "Paid out to distributors (net of fees)"),
    ("distributors:fees", "fee_income", "Withdrawal fees kept by the shop"),
)


def distributor_bucket(account: str) -> tuple[str, str] | None:
    """(distributor id, ledger bucket) of a distributor's account name, else None."""
    if not account.startswith(DISTRIBUTOR_PREFIX):
        return None
    distributor_id, _, bucket = account[len(DISTRIBUTOR_PREFIX):].rpartition(":")
    return (distributor_id, bucket) if distributor_id and bucket else None


def trial_balance_line(account: str) -> str:
    """The trial-balance line an account rolls into: `distributors:<bucket>` for a distributor's, else itself."""
    found = distributor_bucket(account)
    return f"distributors:{found[1]}" if found else account


def trial_balance_type(line: str) -> str:
    for name, kind, _description in TRIAL_BALANCE_LINES:
        if name == line:
            return kind
    return "other"


def statement_balances(credit_balances: dict[str, int]) -> dict[str, int]:
    """A distributor's statement buckets from its credit balances by ledger bucket (the others are not owed)."""
    return {bucket: credit_balances.get(bucket, 0) for bucket in STATEMENT_BUCKETS}
