import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidRequest
from shop.orders.errors import RefundExceedsPaid
from shop.orders.rules import LineState, plan_refund, refund_for_quantity, status_after_refunds


def state(line_id="l1", quantity=3, total=100, points_used=0, refunded_quantity=0, refunded_amount=0,
          points_returned=0) -> LineState:
    return LineState(line_id, quantity, total, points_used, refunded_quantity, refunded_amount, points_returned)


def apply(line: LineState, part) -> LineState:
    return LineState(line.line_id, line.quantity, line.total, line.points_used, line.refunded_quantity + part.quantity,
                     line.refunded_amount + part.amount, line.points_returned + part.points_returned)


def test_units_refunded_one_by_one_give_back_exactly_what_the_line_paid():
    line = state(quantity=3, total=100, points_used=10)
    refunded = []
    for _ in range(3):
        [part] = plan_refund([line], quantities=[("l1", 1)])
        refunded.append((part.amount, part.points_returned))
        line = apply(line, part)

    assert refunded == [(33, 3), (33, 3), (34, 4)]
    assert line.fully_refunded


def test_a_refund_by_amount_is_split_by_what_each_line_has_left():
    lines = [state("a", total=3000, refunded_amount=1000), state("b", total=600)]

    parts = plan_refund(lines, amount=1300)

    assert [(p.line_id, p.quantity, p.amount) for p in parts] == [("a", 0, 1000), ("b", 0, 300)]


def test_no_amount_and_no_lines_takes_everything_left():
    lines = [state("a", quantity=2, total=200, refunded_quantity=1, refunded_amount=100), state("b", total=50)]

    parts = plan_refund(lines)

    assert [(p.line_id, p.quantity, p.amount) for p in parts] == [("a", 1, 100), ("b", 3, 50)]


def test_a_refund_never_exceeds_what_is_left_per_line_or_per_order():
    lines = [state("a", quantity=2, total=200, refunded_quantity=1, refunded_amount=100)]

    with pytest.raises(RefundExceedsPaid):
        plan_refund(lines, quantities=[("a", 2)])
    with pytest.raises(RefundExceedsPaid):
        plan_refund(lines, amount=101)
    with pytest.raises(RefundExceedsPaid):
        plan_refund([state("a", quantity=1, total=10, refunded_quantity=1, refunded_amount=10)])


def test_unknown_or_repeated_lines_are_invalid():
    with pytest.raises(InvalidRequest):
        plan_refund([state("a")], quantities=[("b", 1)])
    with pytest.raises(InvalidRequest):
        plan_refund([state("a")], quantities=[("a", 1), ("a", 1)])


def test_quantity_after_an_amount_refund_gets_at_most_what_is_left():
    assert refund_for_quantity(state(quantity=2, total=100, refunded_amount=80), 1) == 20


def test_the_status_follows_the_refunds():
    whole = [state(quantity=1, total=100)]
    assert status_after_refunds(whole, refunded_total=0, shipped=True, completed=False) == "shipped"
    assert status_after_refunds([state(total=100, refunded_amount=40)], refunded_total=40, shipped=False,
                                completed=False) == "partially_refunded"
    assert status_after_refunds([state(total=100, refunded_amount=100)], refunded_total=100, shipped=True,
                                completed=True) == "refunded"
    free = [state(quantity=2, total=0, refunded_quantity=2)]
    assert status_after_refunds(free, refunded_total=0, shipped=False, completed=False) == "refunded"


refund_steps = st.lists(st.one_of(
    st.tuples(st.just("amount"), st.integers(1, 5000)),
    st.tuples(st.just("units"), st.integers(0, 2), st.integers(1, 5)),
), max_size=10)


def refunded(lines: list[LineState], **request) -> list[LineState]:
    parts = {part.line_id: part for part in plan_refund(lines, **request)}
    return [apply(line, parts[line.line_id]) if line.line_id in parts else line for line in lines]


@given(totals=st.lists(st.tuples(st.integers(1, 5), st.integers(0, 3000), st.integers(0, 500)), min_size=1,
                       max_size=3), steps=refund_steps)
def test_whatever_is_asked_refunds_never_exceed_the_lines_and_points_come_back_whole(totals, steps):
    lines = [state(f"l{i}", quantity, total, points) for i, (quantity, total, points) in enumerate(totals)]
    for step in steps:
        request = {"amount": step[1]} if step[0] == "amount" else {
            "quantities": [(f"l{step[1] % len(lines)}", step[2])]}
        try:
            lines = refunded(lines, **request)
        except RefundExceedsPaid:
            continue
        for line in lines:
            assert 0 <= line.refunded_amount <= line.total
            assert 0 <= line.refunded_quantity <= line.quantity
            assert 0 <= line.points_returned <= line.points_used

    if any(line.quantity_left or line.amount_left for line in lines):
        lines = refunded(lines)

    assert all(line.refunded_amount == line.total and line.points_returned == line.points_used for line in lines)
