"""Customers: search, and one customer with points (summary, ledger, adjustment), coupons and recent orders.

Stage, tags and referrals join this page when their capabilities land (segments, referrals).
"""

from __future__ import annotations

from flask import request

from console import stale, versions
from console.forms import FormReader
from console.web import bp, done, page, render, submitted
from core import clock
from core.db import unit_of_work
from loyalty.coupons import service as coupons
from loyalty.points import service as points
from loyalty.points.schemas import AdjustmentSchema
from shop.orders.service import queries as orders
from tenants.customers import service as customer_records
from tenants.customers.search import search_customers


@bp.route("/customers")
@page("customers")
def customers():
    q = request.args.get("q", "").strip()[:200]
    with unit_of_work() as session:
        found = search_customers(session, q=q, limit=50, starting_after=request.args.get("starting_after"))
    return render("console/customers/list.html", customers=found, q=q)


@bp.route("/customers/<customer_id>")
@page("customers")
def customer(customer_id):
    return _customer_page(customer_id)


def _customer_page(customer_id: str, errors=None, refusal=None, status=200):
    with unit_of_work() as session:
        found = customer_records.get_customer(session, customer_id=customer_id)
        context = {
            "customer": found,
            "now": clock.now(),
            "version": versions.customer_points(session, customer_id=customer_id),
            "summary": points.customer_summary(session, customer_id=customer_id),
            "entries": points.customer_entries(session, customer_id=customer_id, limit=20,
                                               starting_after=request.args.get("entries_after")),
            "coupons": coupons.list_coupons(session, customer_id=customer_id, status=None, limit=50,
                                            starting_after=None),
            "orders": orders.list_orders(session, customer_id=customer_id, limit=10, starting_after=None),
        }
    return render("console/customers/detail.html", status, errors=errors or {}, refusal=refusal, **context)


@bp.route("/customers/<customer_id>/points", methods=["POST"])
@page("customers")
def adjust_points(customer_id):
    def write() -> str:
        form = FormReader()
        adjustment = form.load(AdjustmentSchema(), {key: value for key, value in
                                                    {"points": form.integer("points"),
                                                     "reason": form.text("reason")}.items() if value is not None})
        with unit_of_work() as session:
            stale.check(versions.customer_points(session, customer_id=customer_id, lock=True))
            points.adjust(session, customer_id=customer_id, **adjustment)
        return done("console.customer", "adjusted", customer_id=customer_id)

    return submitted(write, again=lambda **kw: _customer_page(customer_id, **kw))
