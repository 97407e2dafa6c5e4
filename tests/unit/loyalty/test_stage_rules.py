"""The lifecycle stage rules at each boundary, and as a property: every customer has exactly one stage, the
first rule (in the contract's order) that holds."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.segments.rules import (
    STAGES,
    StageFacts,
    Thresholds,
    quintile_scores,
    stage_for,
    stage_rules,
    stage_started_at,
    whole_days,
)
from tenants.customers.schemas import STAGES as DOCUMENTED_STAGES

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DEFAULTS = Thresholds()  # dormant 60, churned 180, loyal 3 orders in 180 days
REGISTERED = NOW - timedelta(days=400)


def facts(paid_orders=1, *, days_ago=1.0, window_orders=None):
    return StageFacts(paid_orders=paid_orders,
                      last_paid_at=None if paid_orders == 0 else NOW - timedelta(days=days_ago),
                      window_orders=paid_orders if window_orders is None else window_orders,
                      registered_at=REGISTERED)


def test_no_paid_order_is_a_prospect_whatever_else():
    assert stage_for(facts(0), DEFAULTS, NOW) == "prospect"


@pytest.mark.parametrize(("days_ago", "stage"), [
    (180 + 1 / 86_400, "churned"),  # a second more than 180 x 24 h ago
    (180, "dormant"),  # exactly 180 x 24 h ago is not "more than"
    (60 + 1 / 86_400, "dormant"),
    (60, "new"),
    (0, "new"),
])
def test_the_last_paid_order_ages_into_dormant_then_churned(days_ago, stage):
    assert stage_for(facts(1, days_ago=days_ago, window_orders=1), DEFAULTS, NOW) == stage


@pytest.mark.parametrize(("window_orders", "paid_orders", "stage"), [
    (3, 3, "loyal"),
    (2, 3, "active"),  # three orders, but only two in the window
    (2, 2, "active"),
    (1, 1, "new"),
    (0, 1, "new"),  # one order, older than the window (a window longer than dormant_days is not the default)
    (3, 7, "loyal"),
])
def test_loyal_counts_paid_orders_in_the_window_and_new_is_exactly_one(window_orders, paid_orders, stage):
    assert stage_for(facts(paid_orders, days_ago=1, window_orders=window_orders), DEFAULTS, NOW) == stage


def test_dormant_wins_over_loyal_the_first_rule_that_holds():
    wide_window = Thresholds(dormant_days=10, churned_days=20, loyal_orders=2, loyal_window_days=30)

    assert stage_for(facts(5, days_ago=15, window_orders=5), wide_window, NOW) == "dormant"
    assert stage_for(facts(5, days_ago=25, window_orders=5), wide_window, NOW) == "churned"
    assert stage_for(facts(5, days_ago=5, window_orders=5), wide_window, NOW) == "loyal"


def test_loyal_wins_over_new_when_one_order_is_enough():
    assert stage_for(facts(1, window_orders=1), Thresholds(loyal_orders=1), NOW) == "loyal"


def test_the_loyal_window_includes_its_first_instant():
    thresholds = Thresholds(loyal_window_days=30)

    assert thresholds.window_start(NOW) == NOW - timedelta(days=30)


def test_when_a_stage_began():
    last = facts(2, days_ago=200)

    assert stage_started_at("prospect", last, DEFAULTS, NOW) == REGISTERED
    assert stage_started_at("churned", last, DEFAULTS, NOW) == last.last_paid_at + timedelta(days=180)
    assert stage_started_at("dormant", last, DEFAULTS, NOW) == last.last_paid_at + timedelta(days=60)
    assert stage_started_at("active", last, DEFAULTS, NOW) == NOW


def test_whole_days_round_down():
    assert whole_days(NOW - timedelta(days=2, hours=23), NOW) == 2
    assert whole_days(None, NOW) is None


thresholds = st.builds(
    lambda dormant, extra, orders, window: Thresholds(dormant, dormant + extra, orders, window),
    st.integers(1, 400), st.integers(1, 400), st.integers(1, 20), st.integers(1, 800))


@st.composite
def customers(draw):
    paid = draw(st.integers(0, 30))
    if paid == 0:
        return StageFacts(0, None, 0, REGISTERED)
    seconds_ago = draw(st.integers(0, 1_000 * 86_400))
    return StageFacts(paid, NOW - timedelta(seconds=seconds_ago), draw(st.integers(0, paid)), REGISTERED)


@given(customers(), thresholds)
def test_every_customer_has_exactly_one_stage_the_first_rule_that_holds(customer, rules):
    ordered = stage_rules(rules, NOW)
    holding = [rule.stage for rule in ordered if rule.holds(customer)]

    stage = stage_for(customer, rules, NOW)

    assert stage in STAGES
    assert stage == holding[0]  # the last rule always holds, so there is always a first
    assert [rule.stage for rule in ordered] == ["prospect", "churned", "dormant", "loyal", "new", "active"]
    # and the stage means what the contract says it means
    age = None if customer.last_paid_at is None else NOW - customer.last_paid_at
    expected = (
        "prospect" if customer.paid_orders == 0
        else "churned" if age > timedelta(days=rules.churned_days)
        else "dormant" if age > timedelta(days=rules.dormant_days)
        else "loyal" if customer.window_orders >= rules.loyal_orders
        else "new" if customer.paid_orders == 1
        else "active"
    )
    assert stage == expected


def test_quintiles_split_into_fifths_five_for_the_best():
    scores = quintile_scores({f"c{n:02d}": n for n in range(10)})

    assert [scores[f"c{n:02d}"] for n in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_equal_figures_score_alike_taking_the_lowest_score_among_them():
    scores = quintile_scores({"a": 1, "b": 1, "c": 1, "d": 1, "e": 5, "f": 9})

    assert scores == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 4, "f": 5}


def test_fewer_than_five_customers_take_the_lowest_scores():
    assert quintile_scores({"a": 10, "b": 20}) == {"a": 1, "b": 2}
    assert quintile_scores({}) == {}


def test_the_stages_the_admin_api_documents_are_the_stages_the_rules_compute():
    assert DOCUMENTED_STAGES == STAGES
