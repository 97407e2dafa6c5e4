"""The group-buy side of orders: how a group order is checked out, and how it learns its group's fate.

The group-buy capability sits above orders (it refunds and cancels orders, and pays leaders through
distribution), so orders cannot call it. It registers its two checkout steps here instead (wired in
shop/wiring.py), as loyalty's login hooks are: `terms` before anything is held (the group price of the
line, every refusal that a read can decide) and `take_seat` in the order's own transaction, right after
the order row is written (the guarded update on the group that decides who gets the last seat). Orders
keep the group's status on the order row (`group_status`), told by the group-buy capability through
`record_group_status`, so that shipping and order bodies need nothing from above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import InvalidRequest
from shop.orders.models import Order

# A group's statuses only move forward: pending -> forming -> succeeded | failed.
_EARLIER = {"pending": (), "forming": ("pending",), "succeeded": ("pending", "forming"),
            "failed": ("pending", "forming")}


@dataclass(frozen=True)
class GroupTerms:
    """What a group order is, decided before anything is held: the group price of each SKU asked for, and the
    group fields the order row carries. The group-buy capability may subclass it to carry what its seat
    step needs."""

    campaign_id: str
    group_id: str  # the group joined, or the id the new group will have
    role: str  # "leader" (starts the group) | "member"
    group_status: str  # the group's status as the order is placed: "pending" for a new group, else "forming"
    unit_prices: dict[str, int] = field(default_factory=dict)

    def order_fields(self) -> dict:
        return {"group_campaign_id": self.campaign_id, "group_id": self.group_id, "group_role": self.role,
                "group_status": self.group_status}


# terms(session, *, customer_id, lines, group_buy, coupon_id, voucher_code) -> GroupTerms
# take_seat(session, *, order, terms) -> None; raises the refusal that rolls the checkout back
_steps: dict[str, Callable] = {}


def register(*, terms: Callable[..., GroupTerms], take_seat: Callable[..., None]) -> None:
    """The group-buy capability's checkout steps (shop/wiring.py registers them once)."""
    _steps.update(terms=terms, take_seat=take_seat)


def terms(session: Session, *, customer_id: str, lines: list[dict], group_buy: dict, coupon_id: str | None,
          voucher_code: str | None) -> GroupTerms:
    """The terms of a group order, or the refusal that a read can decide (nothing is held yet)."""
    if "terms" not in _steps:
        raise InvalidRequest("Group-buys are not available", errors={"json": {"group_buy": ["Not available."]}})
    return _steps["terms"](session, customer_id=customer_id, lines=lines, group_buy=group_buy, coupon_id=coupon_id,
                           voucher_code=voucher_code)


def take_seat(session: Session, *, order: Order, terms: GroupTerms) -> None:
    """Take the order's seat in its group, in the order's transaction (a refusal rolls the order back)."""
    _steps["take_seat"](session, order=order, terms=terms)


def record_group_status(session: Session, *, group_id: str, status: str, skip_locked: bool = False) -> int:
    """Tell the group's orders its new status; a status never moves back (a late, stale call changes nothing).
    With `skip_locked`, orders another transaction holds are left for a later call, never waited for. Returns how
    many orders changed."""
    behind = Order.group_id == group_id, Order.group_status.in_(_EARLIER[status])
    if skip_locked:
        behind = (Order.id.in_(select(Order.id).where(*behind).with_for_update(skip_locked=True)),)
    return session.execute(
        update(Order).where(*behind).values(group_status=status).execution_options(synchronize_session=False)
    ).rowcount
