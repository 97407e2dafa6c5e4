"""Refunds by amount or by lines and quantities, never more than what is left per line and per order.

A refund is first promised: under the order's row lock (every refund path takes it first) the
lines' and the order's refunded counters move and the refund is recorded `pending`. Only then is
the provider asked, with the idempotency key `refund:{id}`; the answer settles the refund
`succeeded` (stock back for unshipped units, the order's status follows, OrderRefunded) or
`failed` (the counters are given back). Two refunds at once therefore serialise on the order and
can never exceed what was paid, whatever the provider accepts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, events, faults, jobs
from core.db import unit_of_work
from core.errors import InvalidState, NotFound
from core.ids import new_id
from shop.catalog import stock
from shop.orders import rules
from shop.orders.models import Order, OrderLine, Refund, RefundLine
from shop.orders.service.lifecycle import identity, line_amount
from shop.payments import config, gateway

log = logging.getLogger("fission.shop.refunds")

REFUNDABLE = ("paid", "shipped", "completed", "partially_refunded", "refunded")
# If the process dies between promising a refund and asking the provider, this job asks later.
SAFETY_NET_DELAY = timedelta(minutes=2)


def issue_refund(*, order_id: str, amount: int | None = None, lines: list[dict] | None = None,
                 reason: str | None = None, request_key: str | None = None) -> Refund:
    """Refund part or all of a paid order and return the refund as it stands.

    Owns its transactions (like checkout): the promise commits before the provider is called, so no
    row lock is held across the HTTP call; the provider's answer is recorded in a second one.
    `request_key` (the Idempotency-Key) is the refund's natural key: a retry finds the first refund.
    """
    with unit_of_work() as session:
        refund = request_refund(session, order_id=order_id, amount=amount, lines=lines, reason=reason,
                                request_key=request_key)
    faults.reached("refund.requested")
    if refund.status != "pending":
        return refund
    return submit(refund_id=refund.id)


def request_refund(session: Session, *, order_id: str, amount: int | None = None, lines: list[dict] | None = None,
                   reason: str | None = None, request_key: str | None = None) -> Refund:
    """Promise a refund within what is left; offline payments (and zero amounts) settle at once."""
    order = _locked_order(session, order_id)
    if order is None:
        raise NotFound("No such order")
    if request_key is not None:  # under the order's lock: a retry of this request finds its refund
        earlier = session.scalars(
            select(Refund).where(Refund.order_id == order_id, Refund.request_key == request_key)).one_or_none()
        if earlier is not None:
            return earlier
    if order.status not in REFUNDABLE:
        raise InvalidState(f"Only a paid order can be refunded; this order is {order.status}")
    if order.after_sales_closed_at is not None:
        raise InvalidState("The after-sales window of this order has closed")
    quantities = [(line["line_id"], line["quantity"]) for line in lines] if lines is not None else None
    plan = rules.plan_refund([_state(line) for line in order.lines], amount=amount, quantities=quantities)
    refund = _promise(session, order, plan, kind="merchant", reason=reason, request_key=request_key)
    if refund.provider == "offline" or refund.amount == 0:
        _succeed(session, order, refund)
    else:
        jobs.enqueue(session, "shop.submit_refund", key=f"refund:{refund.id}:submit",
                     run_at=clock.now() + SAFETY_NET_DELAY, refund_id=refund.id)
    return refund


def refund_payment_after_cancel(session: Session, *, order_id: str) -> Refund:
    """A payment arrived for an order already cancelled: give it all back, and record that."""
    order = _locked_order(session, order_id)
    plan = [rules.LineRefund(line.id, 0, line.total - line.refunded_amount, 0) for line in order.lines]
    refund = _promise(session, order, [part for part in plan if part.amount], kind="paid_after_cancel",
                      reason="Paid after the order was cancelled")
    jobs.enqueue(session, "shop.submit_refund", key=f"refund:{refund.id}:submit", refund_id=refund.id)
    return refund


def refund_mismatched_payment(session: Session, *, order_id: str, amount: int, reason: str) -> Refund:
    """A payment for another amount than the order's: give back all of it (in the intent's own money).

    Not one of the order's refunds: the order was never paid in our books, so neither its lines nor its
    `refunded_total` move; the refund row records the money going back and why.
    """
    order = _locked_order(session, order_id)
    refund = Refund(id=new_id("rfd"), order_id=order.id, kind="amount_mismatch", amount=amount, points_returned=0,
                    status="pending", reason=reason[:500], restock=False, provider=order.payment.provider,
                    created_at=clock.now())
    session.add(refund)
    session.flush()
    jobs.enqueue(session, "shop.submit_refund", key=f"refund:{refund.id}:submit", refund_id=refund.id)
    return refund


class RefundStillPending(Exception):
    """The provider has not finished yet: the job retries later (the outbox backs off)."""


@dataclass(frozen=True)
class _ProviderRequest:
    credentials: gateway.StripeCredentials
    refund_id: str
    provider_refund_id: str | None
    intent_id: str
    amount: int


def submit(*, refund_id: str) -> Refund:
    """Ask the provider for a pending refund and record its answer; return the refund as it stands.

    If Stripe cannot be reached the refund stays pending; the submit job asks again later.
    """
    try:
        submit_or_retry(refund_id=refund_id)
    except gateway.ProviderUnreachable as error:
        log.warning("refund %s stays pending: %s", refund_id, error.message)
    except RefundStillPending:
        pass  # the submit job asks again
    with unit_of_work() as session:
        return session.scalars(select(Refund).where(Refund.id == refund_id)).one()


def submit_or_retry(*, refund_id: str) -> None:
    """Ask the provider for a pending refund and record its answer, each step in its own transaction, so
    no transaction is open during the call. Raises ProviderUnreachable or RefundStillPending to be retried.
    """
    with unit_of_work() as session:
        request = _provider_request(session, refund_id)
    if request is None:
        return
    answer = _ask_provider(request)
    with unit_of_work() as session:
        record_answer(session, refund_id=refund_id, answer=answer)  # settles once, under the order's lock
    if isinstance(answer, gateway.RefundState) and answer.status == "pending":
        raise RefundStillPending(f"refund {refund_id} is still pending at Stripe")


def record_answer(session: Session, *, refund_id: str, answer: gateway.RefundState | gateway.ProviderRefused) -> None:
    """Settle a pending refund with the provider's answer, once."""
    refund = session.scalars(select(Refund).where(Refund.id == refund_id)).one()
    order = _locked_order(session, refund.order_id)
    session.refresh(refund)  # read again under the order's lock: another settlement may have won
    if refund.status != "pending":
        return
    if isinstance(answer, gateway.ProviderRefused):
        _fail(session, order, refund, answer.message)
        return
    refund.provider_refund_id = answer.id
    if answer.status == "succeeded":
        _succeed(session, order, refund)
    elif answer.status in ("failed", "canceled"):
        _fail(session, order, refund, f"Stripe reports the refund {answer.status}")


def _provider_request(session: Session, refund_id: str) -> _ProviderRequest | None:
    refund = session.scalars(select(Refund).where(Refund.id == refund_id)).one_or_none()
    if refund is None or refund.status != "pending":
        return None
    credentials = config.stripe_credentials(session)
    if credentials is None:
        raise gateway.ProviderUnreachable("No Stripe credentials to refund with")
    intent_id = session.scalars(select(Order).where(Order.id == refund.order_id)).one().payment.intent_id
    return _ProviderRequest(credentials, refund.id, refund.provider_refund_id, intent_id, refund.amount)


def _ask_provider(request: _ProviderRequest) -> gateway.RefundState | gateway.ProviderRefused:
    """Stripe's answer: a RefundState, or the refusal it raised. ProviderUnreachable propagates."""
    try:
        if request.provider_refund_id:
            return gateway.retrieve_refund(request.credentials, request.provider_refund_id)
        return gateway.create_refund(request.credentials, intent_id=request.intent_id, amount=request.amount,
                                     metadata={"refund_id": request.refund_id},
                                     idempotency_key=f"refund:{request.refund_id}")
    except gateway.ProviderRefused as refusal:
        return refusal


def _locked_order(session: Session, order_id: str) -> Order | None:
    # Every refund path locks the order row first: counters are read and moved only under this lock.
    return session.scalars(
        select(Order).where(Order.id == order_id).with_for_update(of=Order)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _state(line: OrderLine) -> rules.LineState:
    return rules.LineState(line.id, line.quantity, line.total, line.points_used, line.refunded_quantity,
                           line.refunded_amount, line.points_returned)


def _promise(session: Session, order: Order, plan: list[rules.LineRefund], *, kind: str,
             reason: str | None, request_key: str | None = None) -> Refund:
    lines = {line.id: line for line in order.lines}
    for part in plan:
        line = lines[part.line_id]
        line.refunded_quantity += part.quantity
        line.refunded_amount += part.amount
        line.points_returned += part.points_returned
    amount = sum(part.amount for part in plan)
    order.refunded_total += amount
    refund = Refund(id=new_id("rfd"), order_id=order.id, kind=kind, amount=amount,
                    points_returned=sum(part.points_returned for part in plan), status="pending", reason=reason,
                    restock=order.shipped_at is None and kind == "merchant", provider=order.payment.provider,
                    created_at=clock.now(), request_key=request_key)
    refund.lines = [RefundLine(line_id=part.line_id, quantity=part.quantity, amount=part.amount,
                               points_returned=part.points_returned) for part in plan]
    session.add(refund)
    session.flush()
    return refund


def _succeed(session: Session, order: Order, refund: Refund) -> None:
    refund.status, refund.settled_at = "succeeded", clock.now()
    if refund.kind != "merchant":
        session.flush()
        return  # the order was never paid in our books: no status change, nothing for loyalty to reverse
    lines = {line.id: line for line in order.lines}
    if refund.restock:
        stock.release(session, quantities={lines[part.line_id].sku_id: part.quantity for part in refund.lines})
    order.status = _status(order)
    session.flush()
    events.publish(session, events.OrderRefunded(
        **identity(order), refund_id=refund.id, amount=refund.amount, paid_amount=order.total,
        refunded_total=order.refunded_total, points_returned=refund.points_returned,
        fully_refunded=order.status == "refunded",
        lines=tuple(line_amount(lines[part.line_id], amount=part.amount, quantity=part.quantity)
                    for part in refund.lines)))


def _fail(session: Session, order: Order, refund: Refund, message: str) -> None:
    """The provider refused: record why and give back what the refund had promised."""
    refund.status, refund.settled_at, refund.failure_message = "failed", clock.now(), message[:2000]
    if refund.kind == "amount_mismatch":
        log.error("refund %s of a mismatched payment failed (%s): the money must go back by hand", refund.id, message)
        session.flush()
        return  # it promised nothing of the order's lines
    lines = {line.id: line for line in order.lines}
    for part in refund.lines:
        line = lines[part.line_id]
        line.refunded_quantity -= part.quantity
        line.refunded_amount -= part.amount
        line.points_returned -= part.points_returned
    order.refunded_total -= refund.amount
    if refund.kind == "merchant":
        order.status = _status(order)
    session.flush()


def _status(order: Order) -> str:
    return rules.status_after_refunds([_state(line) for line in order.lines], refunded_total=order.refunded_total,
                                      shipped=order.shipped_at is not None, completed=order.completed_at is not None)
