"""Coupon templates: the list, and a new template with its terms (amounts in yuan, times in the shop's zone)."""

from __future__ import annotations

from flask import g, request

from console.forms import FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from loyalty.coupons import service as coupons
from loyalty.coupons.schemas import CouponTemplateCreateSchema
from shop.catalog import service as catalog


@bp.route("/coupons", methods=["GET", "POST"], endpoint="coupons")
@page("coupons")
def coupons_view():
    if request.method == "POST":
        return submitted(_create, again=_page)
    return _page()


def _page(errors=None, refusal=None, status=200):
    with unit_of_work() as session:
        templates = coupons.list_templates(session, limit=50, starting_after=request.args.get("starting_after"))
        products = catalog.list_products(session, status="active", limit=100, starting_after=None).data
    return render("console/coupons/list.html", status, templates=templates, products=products,
                  errors=errors or {}, refusal=refusal)


def _create() -> str:
    form = FormReader(currency=g.console.currency)
    timezone = g.console.timezone
    terms = {
        "name": form.text("name", blank_as_none=False),
        "kind": form.text("kind", blank_as_none=False),
        "amount_off": form.money("amount_off"),
        "percent_off": form.text("percent_off"),
        "max_discount": form.money("max_discount"),
        "min_spend": form.money("min_spend") or 0,
        "product_ids": request.form.getlist("product_ids") or None,
        "valid_from": form.datetime("valid_from", timezone),
        "valid_until": form.datetime("valid_until", timezone),
        "valid_days": form.integer("valid_days"),
        "total_quantity": form.integer("total_quantity"),
        "per_customer_limit": form.integer("per_customer_limit"),
        "claimable": form.flag("claimable"),
    }
    # Datetimes go to the schema as the API receives them: ISO 8601 text with its offset.
    loaded = form.load(CouponTemplateCreateSchema(), {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in terms.items() if value is not None})
    with unit_of_work() as session:
        coupons.create_template(session, **loaded)
    return done("console.coupons", "created")
