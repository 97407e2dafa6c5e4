"""The pure commission rules, for any lines, rates and refund sequences (Hypothesis)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shop.distribution import rules
from shop.distribution.rules import Rule

rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
rate_rules = rates.map(lambda rate: Rule(rate=rate))
fixed_rules = st.integers(min_value=1, max_value=100_000).map(lambda fixed: Rule(fixed=fixed))
any_rule = st.one_of(rate_rules, fixed_rules)


@st.composite
def line_and_refunds(draw):
    """A paid line (total, quantity) and a sequence of refunds that never exceeds what was paid."""
    base = draw(st.integers(min_value=0, max_value=10**9))
    quantity = draw(st.integers(min_value=1, max_value=1000))
    refunds, left = [], base
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        if left == 0:
            break
        part = draw(st.integers(min_value=0, max_value=left))
        refunds.append(part)
        left -= part
    return base, quantity, refunds


def allowed(rule: Rule, *, base: int, net: int, quantity: int) -> Fraction:
    """What the rule allows on `net`, exactly: rate x net, or fixed x quantity x net / base."""
    if base == 0:
        return Fraction(0)
    if rule.fixed is not None:
        return Fraction(rule.fixed * quantity * net, base)
    return Fraction(rule.rate) * net


def shrink(rule, base, quantity, refunds):
    net, amount = base, rules.commission_amount(rule, base=base, net=base, quantity=quantity)
    seen = [amount]
    for part in refunds:
        net, amount = rules.after_refund(rule, base=base, net=net, quantity=quantity, refunded=part)
        seen.append(amount)
    return net, amount, seen


@given(rule=any_rule, line=line_and_refunds())
def test_a_commission_never_exceeds_what_the_rule_allows_on_the_net_nor_goes_negative(rule, line):
    base, quantity, refunds = line
    net = base
    for part in [0, *refunds]:
        net, amount = rules.after_refund(rule, base=base, net=net, quantity=quantity, refunded=part)
        assert 0 <= amount <= allowed(rule, base=base, net=net, quantity=quantity)
        assert allowed(rule, base=base, net=net, quantity=quantity) - amount < 1  # rounded down, never more


@given(rule=any_rule, line=line_and_refunds())
def test_the_final_amount_does_not_depend_on_how_the_refunds_were_split(rule, line):
    base, quantity, refunds = line

    _net, in_steps, seen = shrink(rule, base, quantity, refunds)
    _net, at_once, _ = shrink(rule, base, quantity, [sum(refunds)])

    assert in_steps == at_once
    assert seen == sorted(seen, reverse=True)  # refunds only ever shrink it


@given(rule=any_rule, base=st.integers(min_value=1, max_value=10**9), quantity=st.integers(min_value=1, max_value=999))
def test_a_line_refunded_in_full_earns_nothing(rule, base, quantity):
    net, amount = rules.after_refund(rule, base=base, net=base, quantity=quantity, refunded=base)

    assert (net, amount) == (0, 0)


def test_a_rate_is_floored_on_the_line_total_and_quantity_is_not_counted_twice():
    assert rules.commission_amount(Rule(rate=Decimal("0.07")), base=5997, net=5997, quantity=3) == 419


def test_a_fixed_amount_is_per_unit_times_quantity():
    assert rules.commission_amount(Rule(fixed=150), base=3000, net=3000, quantity=3) == 450
    assert rules.commission_amount(Rule(fixed=150), base=3000, net=1000, quantity=3) == 150


def test_a_line_that_cost_nothing_earns_nothing():
    assert rules.commission_amount(Rule(fixed=150), base=0, net=0, quantity=2) == 0


def test_per_level_the_products_fixed_amount_wins_then_its_rate_then_the_tenants():
    tenant = Decimal("0.10")

    assert rules.rule_for_level(1, product=None, tenant_rate=tenant) == Rule(rate=tenant)
    assert rules.rule_for_level(1, product={"level1_rate": "0.2", "level1_amount": 5}, tenant_rate=tenant) == \
        Rule(fixed=5)
    assert rules.rule_for_level(2, product={"level1_amount": 5, "level2_rate": "0.03"}, tenant_rate=tenant) == \
        Rule(rate=Decimal("0.03"))
    assert rules.rule_for_level(1, product={"level1_amount": 0, "level1_rate": "0.2"}, tenant_rate=tenant) is None


def test_a_suspended_level_is_skipped_and_the_next_still_earns():
    chain = [("dst_a", "suspended"), ("dst_b", "approved")]

    assert rules.earners(chain, levels=2) == [(2, "dst_b")]
    assert rules.earners(chain, levels=1) == []
