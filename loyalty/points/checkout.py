"""The points part of what checkout asks of loyalty; the facade (loyalty/checkout.py) offers it to the shop."""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyalty.points import service as ledger
from loyalty.settings import loyalty_rules
from loyalty.terms import PointsTerms


def points_for_checkout(session: Session, *, customer_id: str) -> PointsTerms:
    """The customer's spendable points and the tenant's rules for paying with them."""
    rules = loyalty_rules(session)
    return PointsTerms(balance=ledger.spendable(session, customer_id=customer_id),
                       point_value=rules["point_value"], max_points_ratio=rules["max_points_ratio"])


def hold_for_order(session: Session, *, customer_id: str, order_id: str, points: int) -> None:
    """Hold points for a pending order; InsufficientPoints if another checkout spent them first."""
    ledger.hold_for_order(session, customer_id=customer_id, order_id=order_id, points=points)


# For the facade's statements that hold points after another step of the checkout (PostgreSQL only): build the
# statement once with `hold_statement`, run it with `hold_in_one_statement`; if its `ok` is False, nothing was
# held and `hold_by_wallet` (the general path) decides.
hold_statement = ledger.hold_statement
hold_in_one_statement = ledger.hold_in_one_statement
hold_by_wallet = ledger.hold_by_wallet
