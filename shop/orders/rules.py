"""Pure order rules: how much a refund takes from each line, and what the order's status becomes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from core.errors import InvalidRequest
from core.money import allocate, round_half_up
from shop.orders.errors import RefundExceedsPaid


@dataclass(frozen=True)
class LineState:
    """What a refund needs to know of an order line."""

    line_id: str
    quantity: int
    total: int
    points_used: int
    refunded_quantity: int = 0
    refunded_amount: int = 0
    points_returned: int = 0

    @property
    def quantity_left(self) -> int:
        return self.quantity - self.refunded_quantity

    @property
    def amount_left(self) -> int:
        return self.total - self.refunded_amount

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_quantity == self.quantity or (self.total > 0 and self.refunded_amount == self.total)


@dataclass(frozen=True)
class LineRefund:
    line_id: str
    quantity: int
    amount: int
    points_returned: int


def plan_refund(lines: list[LineState], *, amount: int | None = None,
                quantities: list[tuple[str, int]] | None = None) -> list[LineRefund]:
    """What a refund takes from each line: by amount, by line quantities, or (neither) all that is left."""
    if quantities is not None:
        return _by_quantities(lines, quantities)
    if amount is not None:
        return _by_amount(lines, amount)
    everything = [_take(line, line.quantity_left, line.amount_left) for line in lines
                  if line.quantity_left or line.amount_left]
    if not everything:
        raise RefundExceedsPaid("Nothing is left to refund on this order")
    return everything


def _by_quantities(lines: list[LineState], quantities: list[tuple[str, int]]) -> list[LineRefund]:
    by_id = {line.line_id: line for line in lines}
    errors, seen = {}, set()
    for index, (line_id, _) in enumerate(quantities):
        if line_id not in by_id:
            errors[str(index)] = {"line_id": ["No such line on this order."]}
        elif line_id in seen:
            errors[str(index)] = {"line_id": ["Each line at most once per refund."]}
        seen.add(line_id)
    if errors:
        raise InvalidRequest("Invalid refund lines", errors={"json": {"lines": errors}})
    planned = []
    for line_id, quantity in quantities:
        line = by_id[line_id]
        if quantity > line.quantity_left:
            raise RefundExceedsPaid(f"Only {line.quantity_left} of line {line_id} are left to refund")
        planned.append(_take(line, quantity, refund_for_quantity(line, quantity)))
    return planned


def _by_amount(lines: list[LineState], amount: int) -> list[LineRefund]:
    left = [line.amount_left for line in lines]
    if amount > sum(left):
        raise RefundExceedsPaid(f"Only {sum(left)} is left to refund on this order")
    shares = allocate(amount, left)
    return [_take(line, 0, share) for line, share in zip(lines, shares, strict=True) if share]


def refund_for_quantity(line: LineState, quantity: int) -> int:
    """The money `quantity` units of a line give back: their share of what was paid, the rest for the last."""
    if quantity == line.quantity_left:
        return line.amount_left
    return min(round_half_up(Fraction(line.total * quantity, line.quantity)), line.amount_left)


def _take(line: LineState, quantity: int, amount: int) -> LineRefund:
    return LineRefund(line.line_id, quantity, amount, _points_returned(line, quantity, amount))


def _points_returned(line: LineState, quantity: int, amount: int) -> int:
    """The line's share of the order's points that this refund gives back: in proportion to the units
    (or, for a refund by amount, the money) refunded; all that is left once the line is fully refunded."""
    points_left = line.points_used - line.points_returned
    after = LineState(line.line_id, line.quantity, line.total, line.points_used,
                      line.refunded_quantity + quantity, line.refunded_amount + amount)
    if after.fully_refunded:
        return points_left
    if quantity:
        share = Fraction(line.points_used * quantity, line.quantity)
    elif line.total:
        share = Fraction(line.points_used * amount, line.total)
    else:
        share = Fraction(0)
    return min(int(share), points_left)


def status_after_refunds(lines: list[LineState], *, refunded_total: int, shipped: bool, completed: bool) -> str:
    """An order's status once its refunds are counted: refunded, partially refunded, or its fulfilment state."""
    if all(line.fully_refunded for line in lines):
        return "refunded"
    if refunded_total or any(line.refunded_quantity for line in lines):
        return "partially_refunded"
    return "completed" if completed else "shipped" if shipped else "paid"
