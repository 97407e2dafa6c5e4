"""The real services on PostgreSQL, driven by Hypothesis through the API: orders paid (commissions accrue at two
levels), refunded (clawed back, cancelled), completed (after-sales closes), settlement runs, withdrawals (manual
or Stripe Connect through the local stand-in) requested, approved, rejected, paid by hand, transferred, refused
by Stripe or stuck until it is reachable again. After every step: the trial balance is zero, each distributor's
buckets equal its ledger accounts and what its withdrawals say, no bucket is negative, and the reconciliation
reports nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from core import clock, jobs
from tests.support.factories import create_tenant
from tests.support.http import Caller
from tests.support.stripe_connect import serving

pytestmark = pytest.mark.integration

PRICES = (999, 4_321, 12_800)
MINIMUM = 100
OPEN = ("requested", "approved", "processing")


class FinanceOnPostgres(RuleBasedStateMachine):
    client = None  # set by the test
    connect = None

    def __init__(self):
        super().__init__()
        self.minutes = 0
        tenant = self.tenant = create_tenant(self.client)
        tenant.settings({"auth": {"dev_login_enabled": True}, "orders": {"after_sales_days": 0},
                         "distribution": {"enabled": True, "who": "everyone", "levels": 2, "level1_rate": "0.10",
                                          "level2_rate": "0.05", "min_withdrawal": MINIMUM,
                                          "withdrawal_fee_rate": "0.015"}})
        self.admin = tenant.admin
        upline = self.login()
        downline = self.login(invite_code=self.invite_code(upline))
        self.distributors = [upline, downline]
        for distributor in self.distributors:
            distributor.distributor_id = distributor.post("/v1/storefront/distributor", {}).get_json()["id"]
            distributor.account = self.connect.open_account()
            distributor.request("PUT", "/v1/storefront/distributor/payout-account",
                                json={"stripe_account_id": distributor.account}, expect=200)
        self.buyers = [self.login(invite_code=self.invite_code(downline)),
                       self.login(invite_code=self.invite_code(upline))]
        self.skus = [self.admin.post("/v1/admin/products", {"title": f"Tea {price}", "skus": [
            {"price": price, "stock": 10_000}]}, expect=201).get_json()["skus"][0]["id"] for price in PRICES]
        self.open_orders: dict[str, int] = {}  # paid, window open -> what is left to refund
        self.due = False  # an order's window closed since the last settlement run
        self.available = [0, 0]  # each distributor's, as the last invariant check read it
        self.withdrawals: dict[str, dict] = {}  # id -> {distributor, amount, status, method}

    # -- helpers ------------------------------------------------------------------------------------------

    def login(self, invite_code: str | None = None) -> Caller:
        body = {"provider": "dev", "openid": f"sm-{uuid.uuid4().hex[:12]}"}
        if invite_code:
            body["invite_code"] = invite_code
        session = self.tenant.storefront.post("/v1/storefront/sessions", body, expect=201).get_json()
        return Caller(self.client, session["token"])

    @staticmethod
    def invite_code(consumer: Caller) -> str:
        return consumer.get("/v1/storefront/me", expect=200).get_json()["invite_code"]

    def balance(self, distributor: Caller) -> dict:
        return distributor.get("/v1/storefront/distributor", expect=200).get_json()["balance"]

    def refresh(self) -> None:
        """What finance's list says of each withdrawal now (jobs move Stripe ones)."""
        listed = self.admin.get("/v1/finance/withdrawals", query={"limit": 100}, expect=200).get_json()["data"]
        for found in listed:
            self.withdrawals[found["id"]]["status"] = found["status"]

    def of_status(self, *statuses: str, method: str | None = None) -> list[str]:
        return sorted(wid for wid, w in self.withdrawals.items()
                      if w["status"] in statuses and (method is None or w["method"] == method))

    # -- rules --------------------------------------------------------------------------------------------

    @rule(buyer=st.integers(0, 1), sku=st.integers(0, len(PRICES) - 1), quantity=st.integers(1, 3))
    def an_order_is_paid(self, buyer, sku, quantity):
        order = self.buyers[buyer].post("/v1/storefront/orders", {"lines": [
            {"sku_id": self.skus[sku], "quantity": quantity}]}, expect=201).get_json()
        self.admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
        self.open_orders[order["id"]] = order["total"]

    @precondition(lambda self: any(self.open_orders.values()))
    @rule(data=st.data(), percent=st.integers(1, 100))
    def an_order_is_refunded(self, data, percent):
        order_id = data.draw(st.sampled_from(sorted(o for o, left in self.open_orders.items() if left)))
        amount = max(1, self.open_orders[order_id] * percent // 100)
        self.admin.post(f"/v1/admin/orders/{order_id}/refunds", {"amount": amount}, expect=201)
        self.open_orders[order_id] -= amount

    @precondition(lambda self: self.open_orders)
    @rule(data=st.data())
    def an_orders_after_sales_window_closes(self, data):
        order_id = data.draw(st.sampled_from(sorted(self.open_orders)))
        left = self.open_orders.pop(order_id)
        if left == 0:
            return  # refunded in full: nothing to ship
        self.admin.post(f"/v1/admin/orders/{order_id}/ship", expect=200)
        self.admin.post(f"/v1/admin/orders/{order_id}/complete", expect=200)
        self.due = True

    @precondition(lambda self: self.due)
    @rule()
    def settlement_runs(self):
        self.due = False
        run = self.admin.post("/v1/finance/settlements", expect=202).get_json()
        assert self.admin.get(f"/v1/finance/settlements/{run['id']}", expect=200).get_json()["status"] == "completed"

    @precondition(lambda self: any(self.available))
    @rule(who=st.integers(0, 1), percent=st.integers(1, 130), stripe=st.booleans())
    def a_withdrawal_is_requested(self, who, percent, stripe):
        distributor = self.distributors[who]
        method = "stripe_connect" if stripe else "manual"
        self.admin.patch("/v1/admin/settings", {"distribution": {"payout_method": method}}, expect=200)
        available = self.balance(distributor)["available"]
        amount = max(1, available * percent // 100)
        response = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": amount})
        if amount < MINIMUM:
            assert response.status_code == 409 and response.get_json()["reason"] == "below_minimum_withdrawal"
        elif amount > available:
            assert response.status_code == 409 and response.get_json()["reason"] == "insufficient_balance"
        else:
            assert response.status_code == 201, response.get_data(as_text=True)
            self.withdrawals[response.get_json()["id"]] = {"distributor": who, "amount": amount, "method": method,
                                                           "status": "requested"}

    @precondition(lambda self: self.of_status("requested"))
    @rule(data=st.data(), refused=st.booleans(), unreachable=st.booleans())
    def finance_approves(self, data, refused, unreachable):
        """A Stripe one is transferred by its job at once, refused (the account is gone), or stuck (Stripe down)."""
        withdrawal_id = data.draw(st.sampled_from(self.of_status("requested")))
        withdrawal = self.withdrawals[withdrawal_id]
        if withdrawal["method"] == "stripe_connect":
            if refused:
                self.connect.state.accounts.discard(self.distributors[withdrawal["distributor"]].account)
            elif unreachable:
                self.connect.fail_next(2)
        answer = self.admin.post(f"/v1/finance/withdrawals/{withdrawal_id}/approve", expect=200).get_json()
        assert answer["status"] == ("processing" if withdrawal["method"] == "stripe_connect" else "approved")
        self.connect.state.accounts.update(distributor.account for distributor in self.distributors)
        self.connect.fail_next(0)
        self.refresh()

    @precondition(lambda self: self.of_status("requested") + self.of_status("approved", method="manual"))
    @rule(data=st.data())
    def finance_rejects(self, data):
        withdrawal_id = data.draw(st.sampled_from(self.of_status("requested")
                                                  + self.of_status("approved", method="manual")))
        self.admin.post(f"/v1/finance/withdrawals/{withdrawal_id}/reject", {"reason": "stateful"}, expect=200)
        self.withdrawals[withdrawal_id]["status"] = "rejected"

    @precondition(lambda self: self.of_status("approved", method="manual"))
    @rule(data=st.data())
    def finance_pays_by_hand(self, data):
        withdrawal_id = data.draw(st.sampled_from(self.of_status("approved", method="manual")))
        self.admin.post(f"/v1/finance/withdrawals/{withdrawal_id}/mark-paid", {"reference": "stateful"}, expect=200)
        self.withdrawals[withdrawal_id]["status"] = "paid"

    @precondition(lambda self: self.withdrawals)
    @rule(data=st.data(), action=st.sampled_from(["approve", "reject", "mark-paid"]))
    def a_move_from_a_wrong_state_is_refused(self, data, action):
        withdrawal_id = data.draw(st.sampled_from(sorted(self.withdrawals)))
        withdrawal = self.withdrawals[withdrawal_id]
        manual = withdrawal["method"] == "manual"
        allowed = {"approve": ("requested",), "reject": ("requested", "approved") if manual else ("requested",),
                   "mark-paid": ("approved",) if manual else ()}[action]
        if withdrawal["status"] in allowed:
            return  # a right move: the rules above make those
        body = {"reason": "x"} if action == "reject" else {"reference": "x"} if action == "mark-paid" else {}
        refused = self.admin.post(f"/v1/finance/withdrawals/{withdrawal_id}/{action}", body, expect=409).get_json()
        assert refused["reason"] == "invalid_state"

    @precondition(lambda self: self.of_status("processing"))
    @rule()
    def stripe_is_reachable_again_and_the_jobs_retry(self):
        self.minutes += 5
        with clock.travel(timedelta(minutes=self.minutes)):
            jobs.run_due(tenant_id=self.tenant.id)
        self.refresh()
        assert not self.of_status("processing")

    # -- invariants -----------------------------------------------------------------------------------------

    @invariant()
    def the_books_balance_and_tie_with_no_discrepancy(self):
        trial = self.admin.get("/v1/finance/reports/trial-balance", expect=200).get_json()
        assert trial["total"] == 0 and trial["debits"] == trial["credits"]
        report = self.admin.get("/v1/finance/reports/reconciliation", expect=200).get_json()
        assert report["discrepancies"] == [] and report["ledger"]["balanced"] is True

    @invariant()
    def each_distributors_buckets_are_its_ledger_accounts_and_never_negative(self):
        for who, distributor in enumerate(self.distributors):
            shown = self.balance(distributor)
            prefix = f"distributor:{distributor.distributor_id}:"
            accounts = {row["account"].removeprefix(prefix): -row["balance"] for row in self.admin.get(
                "/v1/finance/ledger/accounts", query={"prefix": prefix}, expect=200).get_json()["data"]}
            assert shown == {"frozen": accounts.get("frozen", 0), "available": accounts.get("available", 0),
                             "withdrawing": accounts.get("withdrawing", 0),
                             "withdrawn": accounts.get("paid", 0) + accounts.get("fees", 0)}
            assert min(shown.values()) >= 0, shown
            self.available[who] = shown["available"]
            mine = [w for w in self.withdrawals.values() if w["distributor"] == who]
            assert shown["withdrawing"] == sum(w["amount"] for w in mine if w["status"] in OPEN)
            assert shown["withdrawn"] == sum(w["amount"] for w in mine if w["status"] == "paid")


def test_the_books_hold_whatever_happens(app, client):
    with serving(app) as connect:
        FinanceOnPostgres.client, FinanceOnPostgres.connect = client, connect
        run_state_machine_as_test(FinanceOnPostgres, settings=settings(
            max_examples=12, stateful_step_count=40, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
