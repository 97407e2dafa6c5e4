"""Group-buys: the campaigns with their success rates and a new campaign's form (the API's fields, prices in
yuan, times in the shop's zone); one campaign with its groups, their members and outcomes, and ending it."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from console import charts, stale, texts, versions
from console.forms import FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from shop.catalog import service as catalog
from shop.groupbuy import service as groupbuy
from shop.groupbuy.models import GROUP_STATUSES
from shop.groupbuy.schemas import GroupBuyCreateSchema

LISTED = 50


@bp.route("/group-buys", methods=["GET", "POST"])
@page("group_buys")
def group_buys():
    if request.method == "POST":
        return submitted(_create, again=_list_page)
    return _list_page()


def _list_page(errors=None, refusal=None, status=200):
    chosen = request.values.get("product_id")
    with unit_of_work() as session:
        campaigns = groupbuy.list_campaigns(session, limit=LISTED, starting_after=request.args.get("starting_after"))
        counts = groupbuy.group_counts(session, campaign_ids=[campaign.id for campaign in campaigns.data])
        products = catalog.list_products(session, status="active", limit=100, starting_after=None).data
        titles = _titles(session, {campaign.product_id for campaign in campaigns.data})
    product = next((p for p in products if p.id == chosen), products[0] if products else None)
    outcomes = {campaign.id: outcome(counts[campaign.id]) for campaign in campaigns.data}
    chart = success_chart([(f"{titles[campaign.product_id][:10]} …{campaign.id[-4:]}", outcomes[campaign.id])
                           for campaign in reversed(campaigns.data)])
    return render("console/group_buys/list.html", status, campaigns=campaigns, outcomes=outcomes, success_chart=chart,
                  products=products, product=product, titles=titles, errors=errors or {}, refusal=refusal)


def _titles(session, product_ids) -> dict[str, str]:
    titles = {}
    for product_id in product_ids:
        titles[product_id] = catalog.get_product(session, product_id=product_id).title
    return titles


def _create() -> str:
    form = FormReader(currency=g.console.currency)
    timezone = g.console.timezone
    prices = []
    for index in form.rows("prices"):
        price = form.money(f"prices-{index}-price")
        if price is not None:  # a SKU left blank is not in the campaign
            prices.append({"sku_id": form.text(f"prices-{index}-sku_id"), "price": price})
    starts_at, ends_at = form.datetime("starts_at", timezone), form.datetime("ends_at", timezone)
    terms = {
        "product_id": form.text("product_id"),
        "prices": prices,
        "group_size": form.integer("group_size"),
        "time_limit_minutes": form.integer("time_limit_minutes"),
        "starts_at": starts_at.isoformat() if starts_at else None,
        "ends_at": ends_at.isoformat() if ends_at else None,
        "per_customer_limit": form.integer("per_customer_limit"),
        "virtual_fill_threshold": form.text("virtual_fill_threshold"),
        "leader_commission_rate": form.text("leader_commission_rate"),
    }
    loaded = form.load(GroupBuyCreateSchema(), {key: value for key, value in terms.items() if value is not None})
    with unit_of_work() as session:
        campaign = groupbuy.create_campaign(session, **loaded)
        campaign_id = campaign.id
    return done("console.group_buy", "created", group_buy_id=campaign_id)


@bp.route("/group-buys/<group_buy_id>")
@page("group_buys")
def group_buy(group_buy_id):
    return _campaign_page(group_buy_id)


def _campaign_page(group_buy_id: str, errors=None, refusal=None, status=200):
    wanted = request.args.get("status") if request.args.get("status") in GROUP_STATUSES else None
    with unit_of_work() as session:
        campaign = groupbuy.get_campaign(session, campaign_id=group_buy_id)
        version = versions.group_buy(session, campaign_id=group_buy_id)
        groups = groupbuy.list_groups(session, campaign_id=group_buy_id, status=wanted, limit=LISTED,
                                      starting_after=request.args.get("starting_after"))
        counts = groupbuy.group_counts(session, campaign_ids=[group_buy_id])[group_buy_id]
        product = catalog.get_product(session, product_id=campaign.product_id)
    chart = outcome_chart(counts)
    return render("console/group_buys/detail.html", status, campaign=campaign, version=version, groups=groups,
                  outcome=outcome(counts), success_chart=chart, product=product,
                  sku_names={sku.id: sku.name for sku in product.skus}, statuses=GROUP_STATUSES, status=wanted,
                  errors=errors or {}, refusal=refusal)


@bp.route("/group-buys/<group_buy_id>/end", methods=["POST"])
@page("group_buys")
def end_group_buy(group_buy_id):
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.group_buy(session, campaign_id=group_buy_id, lock=True))
            groupbuy.end_campaign(session, campaign_id=group_buy_id)
        return done("console.group_buy", "ended", group_buy_id=group_buy_id)

    return submitted(write, again=lambda **kw: _campaign_page(group_buy_id, **kw))


# --- success rate -----------------------------------------------------------------------------------------

def outcome(counts: dict[str, int]) -> dict:
    """A campaign's groups by status, and its success rate: the share of groups that ended which succeeded
    (None until one has ended)."""
    ended = counts.get("succeeded", 0) + counts.get("failed", 0)
    return {"counts": {status: counts.get(status, 0) for status in GROUP_STATUSES},
            "total": sum(counts.values()), "ended": ended,
            "rate": None if not ended else round(100 * counts.get("succeeded", 0) / ended)}


def success_chart(campaigns: list[tuple[str, dict]]) -> charts.Chart:
    """Each campaign's success rate, in percent."""
    labels = [label for label, _outcome in campaigns]
    values = [found["rate"] or 0 for _label, found in campaigns]

    def describe(i: int) -> str:
        found = campaigns[i][1]
        if found["rate"] is None:
            return _("%(label)s: no group has ended yet", label=labels[i])
        return _("%(label)s: %(rate)s%% of %(ended)s groups succeeded", label=labels[i], rate=found["rate"],
                 ended=found["ended"])

    chart = charts.bar_chart("group-buy-success", _("Group-buy success rate"), labels, values,
                             fmt=lambda value: f"{value}%", describe=describe,
                             head=[_("Campaign"), _("Success rate")], every=1)
    chart.empty = False  # campaigns, not days: the table says when no group has ended
    return chart


def outcome_chart(counts: dict[str, int]) -> charts.Chart:
    """One campaign's groups by outcome."""
    labels = [str(texts.GROUP_STATUSES[status]) for status in GROUP_STATUSES]
    values = [counts.get(status, 0) for status in GROUP_STATUSES]
    chart = charts.bar_chart("group-buy-success", _("Groups by outcome"), labels, values, fmt=str,
                             describe=lambda i: f"{labels[i]}: {values[i]}", head=[_("Outcome"), _("Groups")],
                             every=1)
    chart.empty = False
    return chart
