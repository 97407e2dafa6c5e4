"""The points mall: rewards (a coupon template for a price in points) listed and created."""

from __future__ import annotations

from flask import request

from console.forms import FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from loyalty.coupons import service as coupons
from loyalty.rewards import service as rewards
from loyalty.rewards.schemas import RewardCreateSchema


@bp.route("/rewards", methods=["GET", "POST"], endpoint="rewards")
@page("rewards")
def rewards_view():
    if request.method == "POST":
        return submitted(_create, again=_page)
    return _page()


def _page(errors=None, refusal=None, status=200):
    with unit_of_work() as session:
        listed = rewards.list_rewards(session, in_stock_only=False, limit=50,
                                      starting_after=request.args.get("starting_after"))
        templates = coupons.list_templates(session, limit=100, starting_after=None).data
    return render("console/rewards/list.html", status, rewards=listed, errors=errors or {}, refusal=refusal,
                  template_options=[(template.id, template.name) for template in templates])


def _create() -> str:
    form = FormReader()
    terms = {"name": form.text("name", blank_as_none=False), "points_cost": form.integer("points_cost"),
             "coupon_template_id": form.text("coupon_template_id", blank_as_none=False),
             "stock": form.integer("stock"), "per_customer_limit": form.integer("per_customer_limit")}
    if terms["points_cost"] is None:
        form.require("points_cost")
    loaded = form.load(RewardCreateSchema(), {key: value for key, value in terms.items() if value is not None})
    with unit_of_work() as session:
        rewards.create_reward(session, **loaded)
    return done("console.rewards", "created")
