"""The double-entry ledger: balanced transactions only, each effect once, balances from the entries."""

import pytest

from core import ledger
from core.db import unit_of_work
from core.ledger import Posting
from core.tenancy import tenant_scope


def post(tenant_id, key, postings):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return ledger.post(session, kind="test", key=key, postings=postings)


def test_a_transaction_whose_entries_do_not_sum_to_zero_per_currency_is_refused(tenant):
    with pytest.raises(ledger.Unbalanced):
        post(tenant.id, "unbalanced", [Posting("a", 100, "CNY"), Posting("b", -99, "CNY")])
    with pytest.raises(ledger.Unbalanced):
        post(tenant.id, "mixed", [Posting("a", 100, "CNY"), Posting("b", -100, "USD")])

    with unit_of_work() as session, tenant_scope(tenant.id):
        assert ledger.balances(session) == {}


def test_an_effect_is_posted_once_and_balances_are_summed_from_the_entries(tenant, other_tenant):
    first = post(tenant.id, "accrual:1", [Posting("expense", 300, "CNY"), Posting("owed", -300, "CNY")])
    again = post(tenant.id, "accrual:1", [Posting("expense", 300, "CNY"), Posting("owed", -300, "CNY")])
    post(tenant.id, "clawback:1", [Posting("owed", 120, "CNY"), Posting("expense", -120, "CNY")])
    post(other_tenant.id, "accrual:1", [Posting("expense", 5, "CNY"), Posting("owed", -5, "CNY")])

    with unit_of_work() as session, tenant_scope(tenant.id):
        assert first and again is None
        assert ledger.balances(session) == {("expense", "CNY"): 180, ("owed", "CNY"): -180}
        assert ledger.credit_balances(session, accounts=["owed"]) == {("owed", "CNY"): 180}
        assert ledger.totals_by_currency(session) == {"CNY": 0}


def test_legs_on_one_account_are_netted_and_a_transaction_that_moves_nothing_is_not_recorded(tenant):
    nothing = post(tenant.id, "nothing", [Posting("a", 100, "CNY"), Posting("a", -100, "CNY")])
    netted = post(tenant.id, "netted", [Posting("a", 100, "CNY"), Posting("a", 50, "CNY"), Posting("b", -150, "CNY")])

    with unit_of_work() as session, tenant_scope(tenant.id):
        assert nothing is None and netted
        assert ledger.balances(session) == {("a", "CNY"): 150, ("b", "CNY"): -150}
