"""Customers: search (by what a clerk has at hand, lifecycle stage and tag), and one customer with points
(summary, ledger, adjustment), coupons, vouchers, stage and tags, referrals and recent orders.
"""

from __future__ import annotations

import marshmallow as ma
from flask import request

from console import stale, texts, versions
from console.forms import FormErrors, FormReader, field_errors
from console.web import bp, done, page, render, submitted
from core import clock
from core.db import unit_of_work
from loyalty.coupons import service as coupons
from loyalty.points import service as points
from loyalty.points.schemas import AdjustmentSchema
from loyalty.referrals import service as referrals
from loyalty.segments import service as segments
from loyalty.segments.models import STAGES
from loyalty.vouchers import service as vouchers
from shop.distribution import service as distribution
from shop.orders.service import queries as orders
from tenants.customers import extensions
from tenants.customers import service as customer_records
from tenants.customers.search import search_customers


@bp.route("/customers")
@page("customers")
def customers():
    q = request.args.get("q", "").strip()[:200]
    chosen = {name: request.args[name] for name in ("stage", "tag") if request.args.get(name)}
    refusal, status = None, 200
    try:
        filters = extensions.parse_filters(chosen)  # the API's own parsing of its `stage` and `tag` filters
    except ma.ValidationError as error:
        refusal, status, filters = FormErrors(field_errors(error.messages)), 422, None
    with unit_of_work() as session:
        found = None if filters is None else search_customers(
            session, q=q, limit=50, starting_after=request.args.get("starting_after"), filters=filters)
        tags = segments.list_tags(session, limit=100, starting_after=None).data
    return render("console/customers/list.html", status, customers=found, q=q, chosen=chosen, tags=tags,
                  stage_options=[("", texts.ANY)] + [(stage, texts.STAGES[stage]) for stage in STAGES],
                  tag_options=[("", texts.ANY)] + [(tag.id, tag.name) for tag in tags],
                  refusal=refusal, errors=refusal.fields if refusal else {})


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
            "vouchers": vouchers.list_customer_vouchers(session, customer_id=customer_id, status=None, limit=50,
                                                        starting_after=None),
            "lifecycle": segments.customer_lifecycle(session, customer_id=customer_id),
            "tags": segments.tags_of(session, customer_id=customer_id),
            "referrals": referrals.list_referrals(session, status=None, inviter_id=customer_id, limit=50,
                                                  starting_after=None),
            "distributor": distribution.find_account(session, customer_id=customer_id),
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
