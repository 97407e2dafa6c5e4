"""The pure finance rules: a withdrawal's fee and net, the moves each state allows, report periods, and how
account names read."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.finance import rules


@given(amount=st.integers(min_value=1, max_value=10**12),
       rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4))
def test_the_fee_is_the_amount_times_the_rate_rounded_half_up_and_the_net_the_rest(amount, rate):
    split = rules.split(amount, fee_rate=rate)

    exact = Fraction(amount) * Fraction(rate)
    assert split.fee + split.net_amount == amount
    assert abs(Fraction(split.fee) - exact) <= Fraction(1, 2)
    assert split.fee - exact != Fraction(-1, 2)  # a half goes up, never down
    assert 0 <= split.fee <= amount


@pytest.mark.parametrize(("amount", "rate", "fee"), [(700, "0.015", 11), (300, "0.015", 5), (100, "0.004", 0),
                                                     (125, "0.004", 1), (1, "0.5", 1), (999, "0", 0)])
def test_halves_round_up(amount, rate, fee):
    assert rules.split(amount, fee_rate=Decimal(rate)).fee == fee


@pytest.mark.parametrize(("value", "ok"), [("acct_1Nv0FGQ9RKHgCVdK", True), ("acct_", False), ("ba_123", False),
                                           ("acct_12 34", False), (None, False), ("", False)])
def test_a_payout_account_is_checked_for_stripes_form(value, ok):
    assert rules.is_stripe_account(value) is ok


def test_which_states_each_move_starts_from():
    assert rules.move("approve", method="manual") == (("requested",), "approved")
    assert rules.move("approve", method="stripe_connect") == (("requested",), "processing")
    assert rules.move("reject", method="manual") == (("requested", "approved"), "rejected")
    assert rules.move("reject", method="stripe_connect") == (("requested",), "rejected")
    assert rules.move("mark_paid", method="manual") == (("approved",), "paid")
    assert rules.move("mark_paid", method="stripe_connect")[0] == ()  # Stripe's payouts are marked by their job


def test_account_names_read_as_whose_bucket_and_which_trial_balance_line():
    assert rules.distributor_bucket("distributor:dst_1:available") == ("dst_1", "available")
    assert rules.distributor_bucket("commissions:expense") is None
    assert rules.trial_balance_line("distributor:dst_1:fees") == "distributors:fees"
    assert rules.trial_balance_line("commissions:expense") == "commissions:expense"
    assert rules.trial_balance_type("distributors:paid") == "cash"
    assert rules.trial_balance_type("something:else") == "other"
    assert rules.statement_balances({"paid": 90, "fees": 10, "available": 5, "unknown": 7}) == {
        "frozen": 0, "available": 5, "withdrawing": 0}
