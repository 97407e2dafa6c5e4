"""The points ledger's rules hold whatever the order of earning, spending, expiry, refunds and adjustments.

Drives the pure Wallet that every points service applies (loyalty/points/wallet.py). Expiry is modelled
here the way the set-based job does it (what is left of each due lot goes); the job's SQL itself is driven
by tests/integration/loyalty/test_ledger_on_postgres.py.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from loyalty.checkout import InsufficientPoints
from loyalty.points.rules import points_to_return, reversal_due
from loyalty.points.wallet import Entry, Wallet

START = datetime(2026, 1, 1, tzinfo=UTC)


class PointsLedger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.wallet = Wallet()
        self.now = START
        self.entries = []
        self.net = 0  # tallied from what each operation was asked to do, not from the entries
        self.unpaid = {}  # order -> its hold entry
        self.paid = {}  # order -> [points spent, points returned so far]
        self.earnings = {}  # lot -> [points earned, points reversed so far, refunded share so far (percent)]
        self.sequence = 0

    def _next(self, prefix):
        self.sequence += 1
        return f"{prefix}{self.sequence:04d}"

    def _state(self):
        return (self.wallet.held, self.wallet.debt, {i: lot.remaining for i, lot in self.wallet.lots.items()})

    def _credit(self, kind, points, *, pending_days=0, expires_in_days=None):
        lot_id = self._next("lot")
        available_at = self.now + timedelta(days=pending_days)
        expires_at = available_at + timedelta(days=expires_in_days) if expires_in_days is not None else None
        entry = self.wallet.credit(kind=kind, points=points, source=lot_id, lot_id=lot_id, now=self.now,
                                   available_at=available_at, expires_at=expires_at)
        self.entries.append(entry)
        self.net += points
        return lot_id

    def _debit_or_refusal(self, operation, points):
        spendable, before = self.wallet.balance(self.now), self._state()
        try:
            entry = operation()
        except InsufficientPoints:
            assert points > spendable
            assert self._state() == before  # a refusal changes nothing
            return None
        assert points <= spendable
        assert sum(draw.points for draw in entry.draws) == points == -entry.points
        assert self.wallet.balance(self.now) == spendable - points
        self.entries.append(entry)
        self.net -= points
        return entry

    @rule(points=st.integers(1, 500), pending_days=st.integers(0, 5),
          expires_in_days=st.one_of(st.none(), st.integers(1, 40)))
    def earn(self, points, pending_days, expires_in_days):
        lot_id = self._credit("earn", points, pending_days=pending_days, expires_in_days=expires_in_days)
        self.earnings[lot_id] = [points, 0, 0]

    def _some_of_the_balance(self, percent):
        """Mostly a part of what is spendable (so spending usually succeeds), sometimes more than all of it."""
        return max(1, self.wallet.balance(self.now) * percent // 100)

    @rule(percent=st.integers(1, 110))
    def checkout_with_points(self, percent):
        points, source = self._some_of_the_balance(percent), self._next("ord")
        entry = self._debit_or_refusal(lambda: self.wallet.hold(points=points, source=source, now=self.now), points)
        if entry is not None:
            self.unpaid[source] = entry

    @precondition(lambda self: self.unpaid)
    @rule(data=st.data())
    def pay(self, data):
        order = data.draw(st.sampled_from(sorted(self.unpaid)))
        entry = self.unpaid.pop(order)
        self.wallet.settle_hold(points=-entry.points)
        self.paid[order] = [-entry.points, 0]

    @precondition(lambda self: self.unpaid)
    @rule(data=st.data())
    def cancel(self, data):
        self._cancel(data.draw(st.sampled_from(sorted(self.unpaid))))

    @precondition(lambda self: self.unpaid and self.wallet.debt)
    @rule(data=st.data())
    def cancel_while_in_debt(self, data):
        """Released points must pay the debt before they go back to their lots."""
        self._cancel(data.draw(st.sampled_from(sorted(self.unpaid))))

    def _cancel(self, order):
        hold = self.unpaid.pop(order)
        entry = self.wallet.release(points=-hold.points, draws=hold.draws, source=f"{order}:release")
        self.entries.append(entry)
        self.net += entry.points

    @precondition(lambda self: self.paid)
    @rule(data=st.data(), share=st.integers(1, 100))
    def refund_points_spent(self, data, share):
        order = data.draw(st.sampled_from(sorted(self.paid)))
        spent, returned = self.paid[order]
        points = points_to_return(spent * share // 100, spent=spent, returned_so_far=returned,
                                  fully_refunded=share == 100)
        if points:
            self._credit("return", points)
            self.paid[order][1] += points
        assert self.paid[order][1] <= spent

    @precondition(lambda self: self.earnings)
    @rule(data=st.data(), more=st.integers(1, 100))
    def refund_an_earning_order(self, data, more):
        self._reverse(data.draw(st.sampled_from(sorted(self.earnings))), more)

    @precondition(lambda self: self.earnings and self.unpaid)
    @rule(data=st.data())
    def fully_refund_an_earning_order_while_points_are_held(self, data):
        """The way debt meets held points: the earning is spent on an unpaid order, then clawed back."""
        self._reverse(data.draw(st.sampled_from(sorted(self.earnings))), 100)

    def _reverse(self, lot_id, more):
        earned, reversed_so_far, refunded = self.earnings[lot_id]
        refunded = min(100, refunded + more)
        points = reversal_due(earned=earned, paid_amount=100, refunded_total=refunded,
                              reversed_so_far=reversed_so_far)
        if points:
            entry = self.wallet.claw_back(points=points, source=self._next("rev"), now=self.now, own_lot_ids=[lot_id])
            self.entries.append(entry)
            self.net -= points
        self.earnings[lot_id] = [earned, reversed_so_far + points, refunded]
        assert reversed_so_far + points <= earned
        if refunded == 100:
            assert reversed_so_far + points == earned

    @rule(points=st.integers(1, 300), expires_in_days=st.one_of(st.none(), st.integers(1, 40)))
    def adjust_up(self, points, expires_in_days):
        self._credit("adjustment", points, expires_in_days=expires_in_days)

    @rule(percent=st.integers(1, 110))
    def adjust_down(self, percent):
        points, source = self._some_of_the_balance(percent), self._next("adj")
        self._debit_or_refusal(
            lambda: self.wallet.debit(kind="adjustment", points=points, source=source, now=self.now), points)

    @rule(percent=st.integers(1, 110))
    def exchange(self, percent):
        points, source = self._some_of_the_balance(percent), self._next("rex")
        self._debit_or_refusal(lambda: self.wallet.debit(kind="exchange", points=points, source=source,
                                                         now=self.now), points)

    @rule(days=st.integers(0, 20), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.now += timedelta(days=days, hours=hours)

    @rule()
    def expiry_job_runs(self):
        before = {lot_id: lot.remaining for lot_id, lot in self.wallet.lots.items()}
        due = [lot for lot in self.wallet.lots.values() if lot.remaining > 0 and lot.expired(self.now)]
        for lot in due:
            self.entries.append(Entry("expire", -lot.remaining, f"expire:{lot.id}"))
            self.net -= lot.remaining
            lot.remaining = 0
        due_ids = {lot.id for lot in due}
        for lot_id, lot in self.wallet.lots.items():
            if lot_id not in due_ids:
                assert lot.remaining == before[lot_id]  # expiry removes only what is left of due lots

    @invariant()
    def the_balance_equals_what_is_left_in_the_lots_minus_the_debt(self):
        left = sum(lot.remaining for lot in self.wallet.lots.values())
        assert sum(entry.points for entry in self.entries) == left - self.wallet.debt
        assert self.net == left - self.wallet.debt

    @invariant()
    def no_lot_holds_more_than_it_earned_or_less_than_nothing(self):
        assert all(0 <= lot.remaining <= lot.points for lot in self.wallet.lots.values())

    @invariant()
    def nothing_goes_below_zero(self):
        assert self.wallet.balance(self.now) >= 0
        assert self.wallet.debt >= 0
        assert self.wallet.held == sum(-entry.points for entry in self.unpaid.values())

    @invariant()
    def debt_exists_only_while_no_unexpired_lot_has_points_left(self):
        if self.wallet.debt:
            assert all(lot.remaining == 0 for lot in self.wallet.lots.values() if not lot.expired(self.now))


PointsLedger.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
test_points_ledger = PointsLedger.TestCase
