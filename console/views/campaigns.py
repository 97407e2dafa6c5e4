"""Campaigns: the list with status and outcome, a new campaign for a segment, its dry-run cost, its launch (the
API's background job, followed on the page until it is done) and its outcome as a chart. A draft is dry-run and
launched from its row in the list as well as from its page.

Finance reads campaigns and may dry-run them (a dry-run changes nothing, so it is a GET form here); only
admins create and launch."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from console import charts, formatting, stale, versions
from console.forms import FormErrors, FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from core.errors import InvalidRequest
from loyalty.coupons import service as coupons
from loyalty.segments import service as segments
from loyalty.segments.schemas import CampaignCreateSchema

LISTED = 50
CHOICES = 100  # segments and coupon templates offered in the new campaign's selects


@bp.route("/campaigns", methods=["GET", "POST"], endpoint="campaigns")
@page("campaigns")
def campaigns_view():
    if request.method == "POST":
        return submitted(_create, again=_list_page)
    return _list_page()


def _list_page(errors=None, refusal=None, status=200, failed: str | None = None):
    """The list; `dry_run` names the draft whose cost its row shows, `failed` the row whose launch was refused."""
    with unit_of_work() as session:
        listed = segments.list_campaigns(session, limit=LISTED, starting_after=request.args.get("starting_after"))
        drafts = {found.id: found for found in listed.data if found.status == "draft"}
        launch_versions = {campaign_id: versions.campaign_version(found) for campaign_id, found in drafts.items()}
        dry_run_id = request.args.get("dry_run") if request.args.get("dry_run") in drafts else None
        cost = segments.dry_run(session, campaign_id=dry_run_id) if dry_run_id else None
        audiences = segments.list_segments(session, limit=CHOICES, starting_after=None).data
        templates = coupons.list_templates(session, limit=CHOICES, starting_after=None).data
    names = {segment.id: segment.name for segment in audiences}
    return render("console/campaigns/list.html", status, campaigns=listed, segments=audiences,
                  segment_choices=list(names.items()),
                  template_choices=[(template.id, template.name) for template in templates],
                  segment_names=names, launch_versions=launch_versions, dry_run_id=dry_run_id, cost=cost,
                  errors=errors or {}, refusal=refusal, failed=failed)


def _create() -> str:
    form = FormReader(currency=g.console.currency)
    kind = form.text("action-kind")
    action = {"kind": kind}
    if kind == "grant_coupon":
        action["coupon_template_id"] = form.text("action-coupon_template_id")
    elif kind == "grant_points":
        action["points"] = form.integer("action-points")
    terms = form.load(CampaignCreateSchema(), {
        "name": form.text("name", blank_as_none=False), "segment_id": form.text("segment_id", blank_as_none=False),
        "action": {key: value for key, value in action.items() if value is not None}})
    with unit_of_work() as session:
        try:
            created = segments.create_campaign(session, **terms)
        except InvalidRequest as invalid:  # the service names the body's paths (`action.coupon_template_id`)
            raise FormErrors({path.replace(".", "-"): texts for path, texts in (invalid.errors or {}).items()}) \
                from None
    return done("console.campaign", "created", campaign_id=created.id)


@bp.route("/campaigns/<campaign_id>")
@page("campaigns")
def campaign(campaign_id):
    return _detail_page(campaign_id, dry_run=request.args.get("dry_run") == "1")


@bp.route("/campaigns/<campaign_id>/launch", methods=["POST"])
@page("campaigns")
def launch_campaign(campaign_id):
    """Launch a draft, from its page or (`origin=list`) its row in the list. Either way the clerk goes on to its
    page, which follows the launch; a refusal shows where the form was."""
    def write() -> str:
        with unit_of_work() as session:
            # The version is the launch form's idempotency too: a second click finds the campaign running.
            stale.check(versions.campaign(session, campaign_id=campaign_id, lock=True))
            segments.launch(session, campaign_id=campaign_id)
        return done("console.campaign", "launched", campaign_id=campaign_id)

    if request.args.get("origin") == "list":
        return submitted(write, again=lambda **kw: _list_page(failed=campaign_id, **kw))
    return submitted(write, again=lambda **kw: _detail_page(campaign_id, **kw))


def _detail_page(campaign_id: str, errors=None, refusal=None, status=200, dry_run: bool = False):
    with unit_of_work() as session:
        found = segments.get_campaign(session, campaign_id=campaign_id)
        version = versions.campaign(session, campaign_id=campaign_id)
        audience = segments.get_segment(session, segment_id=found.segment_id)
        template = (coupons.get_template(session, template_id=found.coupon_template_id)
                    if found.coupon_template_id else None)
        cost = segments.dry_run(session, campaign_id=campaign_id) if dry_run else None
    processed = found.granted + found.skipped_capped + found.skipped_limit
    return render("console/campaigns/detail.html", status, campaign=found, version=version, segment=audience,
                  template=template, cost=cost, processed=processed, errors=errors or {}, refusal=refusal,
                  chart=_outcome_chart(found) if found.status != "draft" else None)


def _outcome_chart(found) -> charts.Chart:
    """From who was reached to what it sold: audience, granted, skipped, and (coupons) redeemed and orders."""
    bars = [(_("Audience"), found.audience or 0), (_("Granted"), found.granted),
            (_("Skipped"), found.skipped_capped + found.skipped_limit)]
    if found.action == "grant_coupon":
        bars += [(_("Redeemed"), found.redeemed), (_("Orders"), found.orders)]
    labels, values = [label for label, _value in bars], [value for _label, value in bars]
    chart = charts.bar_chart("campaign-outcome", _("Campaign outcome"), labels, values, fmt=formatting.number,
                             describe=lambda i: f"{labels[i]}: {formatting.number(values[i])}",
                             head=[_("Step"), _("Customers or orders")], every=1)
    chart.empty = False  # zeros are an outcome too (an empty segment), not "nothing yet"
    return chart
