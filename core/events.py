"""Domain events: how `loyalty` (and later capabilities) learn about orders without importing `shop`.

Payloads carry plain ids and integer amounts only. Handlers run synchronously in the publisher's
transaction (so an order is never paid without its points being credited, or vice versa); a
handler that wants background work enqueues a job through the outbox from there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LineAmount:
    """One order line's part of an event: what was paid for it (or refunded from it)."""

    line_id: str
    product_id: str
    sku_id: str
    quantity: int
    amount: int  # minor units paid (or refunded) for this line


@dataclass(frozen=True)
class OrderEvent:
    tenant_id: str
    order_id: str
    customer_id: str
    currency: str
    group_id: str | None = None  # the group-buy group the order holds a seat in, if any


@dataclass(frozen=True)
class OrderPaid(OrderEvent):
    amount: int = 0  # what the customer paid, minor units
    points_used: int = 0
    coupon_id: str | None = None
    lines: tuple[LineAmount, ...] = field(default_factory=tuple)
    voucher_code: str | None = None  # the voucher the order locked (normalised)


@dataclass(frozen=True)
class OrderCancelled(OrderEvent):
    was_paid: bool = False
    coupon_id: str | None = None
    points_used: int = 0
    voucher_code: str | None = None


@dataclass(frozen=True)
class OrderShipped(OrderEvent):
    pass


@dataclass(frozen=True)
class OrderCompleted(OrderEvent):
    after_sales_ends_at: str = ""  # ISO 8601


@dataclass(frozen=True)
class OrderRefunded(OrderEvent):
    refund_id: str = ""
    amount: int = 0  # refunded now, minor units
    paid_amount: int = 0  # what the order paid in all
    refunded_total: int = 0  # refunded so far, this refund included
    points_returned: int = 0  # points of the order's deduction given back by this refund
    fully_refunded: bool = False
    lines: tuple[LineAmount, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AfterSalesClosed(OrderEvent):
    """The after-sales window ended: points and commissions of this order become final."""

    amount: int = 0  # paid less refunded
    lines: tuple[LineAmount, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DistributorStatusChanged:
    """A customer's distributor account changed status (distribution publishes, segments listens)."""

    tenant_id: str
    customer_id: str
    status: str  # "none" | "pending" | "approved" | "rejected" | "suspended"


@dataclass(frozen=True)
class OrderPlaced(OrderEvent):
    """A consumer placed an order (pending payment): referrals count invitees who ordered at all."""

    amount: int = 0  # the order's total to pay, minor units


@dataclass(frozen=True)
class CustomerStageChanged:
    """A customer's lifecycle stage changed (segments publishes it: on a payment or refund, or when the daily
    refresh notices the passage of time or new lifecycle settings)."""

    tenant_id: str
    customer_id: str
    stage: str  # prospect | new | active | loyal | dormant | churned
    previous_stage: str
    since: str  # ISO 8601: when the new stage began


@dataclass(frozen=True)
class GroupEvent:
    """A group-buy group ended one way or the other (group-buy publishes; notifications and segments may
    listen). `customer_ids` are the members in the group when it ended, the leader first."""

    tenant_id: str
    group_id: str
    campaign_id: str
    leader_customer_id: str
    group_size: int
    paid_count: int
    customer_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupSucceeded(GroupEvent):
    """Its last seat was paid, or at its deadline enough were paid for a virtual fill."""

    virtual_filled: bool = False


@dataclass(frozen=True)
class GroupFailed(GroupEvent):
    """It did not fill by its deadline (or its campaign's end): its paid orders are refunded, its unpaid ones
    cancelled, by jobs that follow."""


Handler = Callable[[Session, object], None]
_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler) -> None:
    """Register a handler (wired once, in app.py)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def has_handlers(event_type: type) -> bool:
    """Whether publishing `event_type` would run anything (a publisher may skip reading what only its events
    would carry)."""
    return bool(_handlers.get(event_type))


def publish(session: Session, event) -> None:
    """Run every handler of this event in the caller's transaction."""
    for handler in _handlers[type(event)]:
        handler(session, event)
