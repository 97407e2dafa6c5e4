"""The life of a group after checkout: formed by the leader's payment, succeeded by its last paid seat, resolved
at its deadline (or its campaign's end) by a virtual fill or a failure, and unwound when it failed.

Each move of `status` is one UPDATE guarded on the status it leaves, so it happens once however many
payments, deadlines and campaign ends arrive together. What follows a move (the deadline, telling the orders,
refunding a failed group) is enqueued in the same transaction.

Locks: a payment holds its order row, then takes the group row; so nothing here that holds a group row waits
for another order's row. Orders learn the group's status at once where no other transaction holds them
(SKIP LOCKED), and in a job of their own otherwise (`groupbuy.tell_orders`); a failed group's orders are
refunded and cancelled in another (`groupbuy.unwind_group`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock, events, jobs
from core.db import unit_of_work
from core.tenancy import require_tenant_id
from shop.distribution import service as distribution
from shop.groupbuy import rules
from shop.groupbuy.models import Group, GroupBuy
from shop.groupbuy.service import seats
from shop.orders.errors import RefundExceedsPaid
from shop.orders.models import Order
from shop.orders.service import group_orders, lifecycle, refunds
from shop.orders.service.lifecycle import line_amount
from shop.orders.service.queries import find_order

log = logging.getLogger("fission.shop.groupbuy")


def on_paid(session: Session, *, order_id: str, group_id: str) -> None:
    """A seat's order was paid: the leader's payment forms the group, the last seat's payment makes it succeed."""
    group = seats.record_payment(session, order_id=order_id, group_id=group_id)
    if group is None:
        return
    if group.status == "pending":
        _form(session, group)
    elif group.status == "forming" and group.paid_count >= group.group_size:
        succeed(session, group_id=group.id)
    elif group.status == "succeeded":
        # A seat held when the group filled virtually, paid since: the leader earns on it like on the others.
        _pay_leader(session, _group(session, group.id), order_ids=[order_id])
    elif group.status == "failed":
        # Paid after the group failed and before its order was cancelled: the unwinding refunds it.
        jobs.enqueue(session, "groupbuy.unwind_group", key=f"group:{group.id}:unwind:{order_id}", group_id=group.id)


def on_left(session: Session, *, order_id: str, group_id: str, seat: str) -> None:
    """A seat's order was cancelled unpaid, or refunded in full while its group is pending or forming: it
    leaves; a group it leaves empty (its leader never paid, or every paid seat was refunded) has failed: nobody
    is left to join. A refund after the group succeeded or failed leaves its members and counts as they were."""
    group = seats.leave(session, order_id=order_id, group_id=group_id, seat=seat)
    if group is not None and group.status in ("pending", "forming") and group.live_count == 0:
        fail(session, group_id=group.id)


def succeed(session: Session, *, group_id: str, virtual: bool = False) -> bool:
    """forming -> succeeded, once: the leader's commissions are recorded and the orders may ship."""
    moved = session.execute(
        update(Group).where(Group.id == group_id, Group.status == "forming")
        .values(status="succeeded", succeeded_at=clock.now(), virtual_filled=virtual)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    group = _group(session, group_id)
    _pay_leader(session, group, order_ids=[m.order_id for m in group.members if m.status == "paid"])
    _tell_orders(session, group_id, "succeeded")
    events.publish(session, events.GroupSucceeded(**_identity(group), virtual_filled=virtual))
    return True


def fail(session: Session, *, group_id: str) -> bool:
    """pending or forming -> failed, once: its paid orders are refunded and its unpaid ones cancelled by a job."""
    moved = session.execute(
        update(Group).where(Group.id == group_id, Group.status.in_(("pending", "forming")))
        .values(status="failed", failed_at=clock.now()).execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    group = _group(session, group_id)
    if group.members:
        jobs.enqueue(session, "groupbuy.unwind_group", key=f"group:{group_id}:unwind", group_id=group_id)
    _tell_orders(session, group_id, "failed")
    events.publish(session, events.GroupFailed(**_identity(group)))
    return True


def resolve(session: Session, *, group_id: str) -> str | None:
    """At its deadline, or once its campaign has ended, end a group still pending or forming: it succeeds (every
    seat paid), fills virtually (enough paid for the threshold) or fails. Returns the outcome, or None when the
    group is not due (or was resolved already)."""
    group = session.scalars(select(Group).where(Group.id == group_id).with_for_update()
                            .execution_options(populate_existing=True)).one_or_none()
    if group is None or group.status not in ("pending", "forming"):
        return None
    campaign = session.get(GroupBuy, (group.tenant_id, group.campaign_id))
    past_deadline = group.expires_at is not None and group.expires_at <= clock.now()
    if not past_deadline and campaign.status != "ended":
        return None
    threshold = None if campaign.virtual_fill_threshold is None else Decimal(campaign.virtual_fill_threshold)
    outcome = rules.outcome_at_deadline(status=group.status, paid_count=group.paid_count,
                                        group_size=group.group_size, threshold=threshold)
    if outcome == "failed":
        fail(session, group_id=group_id)
    else:
        succeed(session, group_id=group_id, virtual=outcome == "virtual_fill")
    return outcome


def unwind(*, group_id: str) -> None:
    """A failed group's orders: each unpaid one cancelled, each paid one refunded in full through the refund
    service (Stripe called between its own transactions). Owns its transactions; a second run finds the
    cancellations done and each refund by its key (`group:{id}:failed`), so it has one effect."""
    with unit_of_work() as session:
        group = _group(session, group_id)
        if group is None or group.status != "failed":
            return
        order_ids = [member.order_id for member in group.members]
    for order_id in order_ids:
        with unit_of_work() as session:
            if lifecycle.cancel(session, order_id=order_id, reason="group_failed") is not None:
                continue
            order = find_order(session, order_id=order_id)
            refundable = order is not None and order.status in ("paid", "partially_refunded")
        if refundable:
            try:
                refunds.issue_refund(order_id=order_id, reason="The group did not form",
                                     request_key=f"group:{group_id}:failed")
            except RefundExceedsPaid:
                log.info("order %s of failed group %s has nothing left to refund", order_id, group_id)


def _form(session: Session, group) -> None:
    """pending -> forming on the leader's payment: its deadline is that payment plus the campaign's time limit."""
    campaign = session.get(GroupBuy, (require_tenant_id(), group.campaign_id))
    expires_at = clock.now() + timedelta(minutes=campaign.time_limit_minutes)
    moved = session.execute(
        update(Group).where(Group.id == group.id, Group.status == "pending")
        .values(status="forming", expires_at=expires_at).execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return
    jobs.enqueue(session, "groupbuy.resolve_group", key=f"group:{group.id}:deadline", run_at=expires_at,
                 group_id=group.id)
    if campaign.status == "ended":  # paid after the campaign ended (its end job has been): resolve it now
        jobs.enqueue(session, "groupbuy.resolve_group", key=f"group:{group.id}:resolve:late", group_id=group.id)
    _tell_orders(session, group.id, "forming")


def _pay_leader(session: Session, group: Group, *, order_ids: list[str]) -> None:
    """The leader's commission on each other member's paid order, exactly once (distribution's unique key);
    a leader who left its own group (its order cancelled or refunded in full, even after the group ended)
    earns none."""
    campaign = session.get(GroupBuy, (group.tenant_id, group.campaign_id))
    rate = Decimal(campaign.leader_commission_rate)
    leader_in = any(m.role == "leader" and m.status == "paid" and m.left_at is None for m in group.members)
    others = [order_id for order_id in order_ids
              if order_id not in {m.order_id for m in group.members if m.role == "leader"}]
    if rate == 0 or not leader_in or not others:
        return
    for order in session.scalars(select(Order).where(Order.id.in_(others)).order_by(Order.id)):
        distribution.record_leader_commission(
            session, leader_customer_id=group.leader_customer_id, order_id=order.id, customer_id=order.customer_id,
            currency=order.currency, lines=[line_amount(line, amount=line.total) for line in order.lines],
            rate=rate, refunded={line.id: line.refunded_amount for line in order.lines})


def _tell_orders(session: Session, group_id: str, status: str) -> None:
    """The group's orders learn its status now, all but those another transaction holds (a member's payment
    waiting for this group row: waiting for it in turn would deadlock); a job tells those after."""
    group_orders.record_group_status(session, group_id=group_id, status=status, skip_locked=True)
    jobs.enqueue(session, "groupbuy.tell_orders", key=f"group:{group_id}:orders:{status}", group_id=group_id,
                 status=status)


def _group(session: Session, group_id: str) -> Group | None:
    return session.scalars(select(Group).where(Group.id == group_id)
                           .execution_options(populate_existing=True)).one_or_none()


def _identity(group: Group) -> dict:
    return {"tenant_id": group.tenant_id, "group_id": group.id, "campaign_id": group.campaign_id,
            "leader_customer_id": group.leader_customer_id, "group_size": group.group_size,
            "paid_count": group.paid_count, "customer_ids": tuple(m.customer_id for m in group.members)}
