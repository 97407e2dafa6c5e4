"""Orders: the list by status, and one order with its lines, discounts, payment and refunds; admins ship,
complete, refund and confirm offline payments, each form checked against the order's version."""

from __future__ import annotations

import contextlib

from flask import g, request
from flask_babel import gettext as _

from console import stale, versions
from console.forms import FormErrors, FormReader
from console.web import bp, done, may, page, render, submitted
from core.db import unit_of_work
from shop.distribution import service as distribution
from shop.groupbuy import service as groupbuy
from shop.orders.models import STATUSES
from shop.orders.schemas import RefundCreateSchema, RefundLineInputSchema, ShipSchema
from shop.orders.service import lifecycle, queries, refunds
from shop.payments import service as payments


@bp.route("/orders")
@page("orders")
def orders():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    with unit_of_work() as session:
        listed = queries.list_orders(session, status=status, limit=50,
                                     starting_after=request.args.get("starting_after"))
    return render("console/orders/list.html", orders=listed, status=status, statuses=STATUSES)


@bp.route("/orders/<order_id>")
@page("orders")
def order(order_id):
    return _order_page(order_id)


def _order_page(order_id: str, errors=None, refusal=None, status=200, action=None):
    with unit_of_work() as session:
        found = queries.get_order(session, order_id=order_id)
        version = versions.order(session, order_id=order_id)
        order_refunds = queries.list_refunds(session, order_id=order_id, limit=100, starting_after=None).data
        # The group it holds a seat in, and what it earned distributors (finance's figures: for who may read them).
        group = groupbuy.get_group(session, group_id=found.group_id) if found.group_id else None
        commissions = (distribution.list_commissions(session, order_id=order_id, limit=100, starting_after=None).data
                       if may("finance", "read") else None)
    return render("console/orders/detail.html", status, order=found, version=version, refunds=order_refunds,
                  group=group, commissions=commissions, errors=errors or {}, refusal=refusal, failed_action=action)


def _act(order_id: str, action: str, write):
    """Run one of the order's actions under its version check; refusals show on the order's page."""
    return submitted(write, again=lambda **kw: _order_page(order_id, action=action, **kw))


@bp.route("/orders/<order_id>/ship", methods=["POST"])
@page("orders")
def ship_order(order_id):
    def write() -> str:
        form = FormReader()
        data = form.load(ShipSchema(), {"carrier": form.text("carrier"),
                                        "tracking_number": form.text("tracking_number")})
        with unit_of_work() as session:
            stale.check(versions.order(session, order_id=order_id, lock=True))
            lifecycle.ship(session, order_id=order_id, **data)
        return done("console.order", "shipped", order_id=order_id)

    return _act(order_id, "ship", write)


@bp.route("/orders/<order_id>/complete", methods=["POST"])
@page("orders")
def complete_order(order_id):
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.order(session, order_id=order_id, lock=True))
            lifecycle.complete_order(session, order_id=order_id)
        return done("console.order", "completed", order_id=order_id)

    return _act(order_id, "complete", write)


@bp.route("/orders/<order_id>/offline-payment", methods=["POST"])
@page("orders")
def confirm_offline_payment(order_id):
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.order(session, order_id=order_id, lock=True))
            payments.pay_offline(session, order_id=order_id)
        return done("console.order", "paid", order_id=order_id)

    return _act(order_id, "confirm-offline-payment", write)


@bp.route("/orders/<order_id>/refunds", methods=["POST"])
@page("orders")
def refund_order(order_id):
    def write() -> str:
        terms = _refund_terms(FormReader(currency=g.console.currency))
        # What refunds.issue_refund does, with the version check in the promise's transaction: the order's
        # row lock taken here is the one request_refund takes, so a second submission of this form waits,
        # then finds the order changed and is refused instead of refunding twice.
        with unit_of_work() as session:
            stale.check(versions.order(session, order_id=order_id, lock=True))
            refund = refunds.request_refund(session, order_id=order_id, **terms)
        if refund.status == "pending":
            refunds.submit(refund_id=refund.id)  # the provider is asked after the commit, as the API does
        return done("console.order", "refunded", order_id=order_id)

    return _act(order_id, "refund", write)


def _refund_terms(form: FormReader) -> dict:
    """An amount in yuan, or quantities per line (`lines-0-line_id`, `lines-0-quantity`); never an empty form
    (the API reads no body as "everything left", too easy to do by accident with a button)."""
    amount = form.money("amount")
    lines = []
    for index in form.rows("lines"):
        quantity = form.integer(f"lines-{index}-quantity")
        if quantity:  # each line on its own, so its errors name its own field
            with contextlib.suppress(FormErrors):
                lines.append(form.load(RefundLineInputSchema(), {"line_id": form.text(f"lines-{index}-line_id"),
                                                                 "quantity": quantity}, prefix=f"lines-{index}"))
    if amount is None and not lines and not form.errors:
        form.errors["amount"] = [_("Give an amount, or how many of each line to refund.")]
    data = {"reason": form.text("reason")}
    if amount is not None:
        data["amount"] = amount
    if lines:
        data["lines"] = lines
    return form.load(RefundCreateSchema(), data)
