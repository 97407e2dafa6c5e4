"""Pure lifecycle and RFM rules.

A customer's stage is the first of these that holds (API.md, "Segments, lifecycle and targeted
campaigns"), counting only paid orders not refunded in full:

    prospect  no paid order
    churned   last paid order more than churned_days x 24 h ago
    dormant   last paid order more than dormant_days x 24 h ago
    loyal     at least loyal_orders paid orders in the last loyal_window_days x 24 h
    new       exactly one paid order
    active    anything else

The rules are data (`stage_rules`): Python evaluates them here (`stage_for`), and the set-based refresh
renders the very same list as one SQL CASE (loyalty/segments/facts.py), so the two cannot drift.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(days=1)
STAGES = ("prospect", "new", "active", "loyal", "dormant", "churned")
RFM_SCORES = 5


@dataclass(frozen=True)
class Thresholds:
    """A tenant's `lifecycle` settings."""

    dormant_days: int = 60
    churned_days: int = 180
    loyal_orders: int = 3
    loyal_window_days: int = 180

    def window_start(self, now: datetime) -> datetime:
        """Paid orders at or after this instant are "in the last loyal_window_days"."""
        return now - self.loyal_window_days * DAY


@dataclass(frozen=True)
class StageFacts:
    """What the stage depends on, for one customer (paid orders not refunded in full only)."""

    paid_orders: int
    last_paid_at: datetime | None
    window_orders: int  # paid orders since Thresholds.window_start
    registered_at: datetime


_OPERATORS = {"eq": operator.eq, "lt": operator.lt, "gte": operator.ge}


@dataclass(frozen=True)
class StageRule:
    """`stage` holds when `fact <op> bound`; the last rule (no fact) always holds."""

    stage: str
    fact: str | None = None
    op: str | None = None
    bound: int | datetime | None = None

    def holds(self, facts: StageFacts) -> bool:
        if self.fact is None:
            return True
        value = getattr(facts, self.fact)
        return value is not None and _OPERATORS[self.op](value, self.bound)


def stage_rules(thresholds: Thresholds, now: datetime) -> tuple[StageRule, ...]:
    """The stage rules in the order they are tried, with their bounds as of `now`."""
    return (
        StageRule("prospect", "paid_orders", "eq", 0),
        StageRule("churned", "last_paid_at", "lt", now - thresholds.churned_days * DAY),
        StageRule("dormant", "last_paid_at", "lt", now - thresholds.dormant_days * DAY),
        StageRule("loyal", "window_orders", "gte", thresholds.loyal_orders),
        StageRule("new", "paid_orders", "eq", 1),
        StageRule("active"),
    )


def stage_for(facts: StageFacts, thresholds: Thresholds, now: datetime) -> str:
    """The customer's stage: the first rule that holds."""
    return next(rule.stage for rule in stage_rules(thresholds, now) if rule.holds(facts))


def stage_started_at(stage: str, facts: StageFacts, thresholds: Thresholds, now: datetime) -> datetime:
    """When a stage the customer has just entered began: registration for a prospect; the instant the last
    paid order became old enough for dormant and churned (however late a refresh notices it); now for
    the stages an order moves a customer into."""
    if stage == "prospect":
        return facts.registered_at
    if stage == "churned":
        return facts.last_paid_at + thresholds.churned_days * DAY
    if stage == "dormant":
        return facts.last_paid_at + thresholds.dormant_days * DAY
    return now


def whole_days(since: datetime | None, now: datetime) -> int | None:
    """Whole days elapsed since `since` (None stays None)."""
    return None if since is None else (now - since) // DAY


def quintile_scores(values: dict[str, int | float | datetime]) -> dict[str, int]:
    """1-5 scores by quintile, 5 for the highest values: NTILE(5) over the values in ascending order
    (customer id breaking ties), then every customer takes the lowest score any customer with the same
    value got, so equal figures always score alike. The refresh computes this in SQL; this is its
    reference, used by the tests."""
    ordered = sorted(values, key=lambda customer: (values[customer], customer))
    count = len(ordered)
    buckets = min(RFM_SCORES, count)
    size, extra = divmod(count, buckets) if count else (0, 0)
    tiles, position = {}, 0
    for bucket in range(1, buckets + 1):
        for _ in range(size + (1 if bucket <= extra else 0)):
            tiles[ordered[position]] = bucket
            position += 1
    lowest: dict = {}
    for customer in ordered:
        lowest.setdefault(values[customer], tiles[customer])
    return {customer: lowest[values[customer]] for customer in ordered}
