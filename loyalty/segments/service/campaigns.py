"""Campaigns: a coupon or points for a segment's members, with a dry-run, a launch, and the outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import InvalidRequest, InvalidState, NotFound
from core.ids import new_id
from core.pagination import paginate
from core.tenancy import require_tenant_id
from loyalty.coupons import service as coupons
from loyalty.coupons.models import CouponTemplate
from loyalty.segments.models import Campaign, CampaignRecipient, SegmentOrder
from loyalty.segments.rules import DAY
from loyalty.segments.service.granting import schedule_batch
from loyalty.segments.service.rules import members, stored
from loyalty.segments.service.segments import get_segment
from loyalty.segments.settings import frequency_cap
from loyalty.settings import loyalty_rules


def create_campaign(session: Session, *, name: str, segment_id: str, action: dict) -> Campaign:
    """A draft campaign; a segment or coupon template that is not the tenant's is 422, like a missing one."""
    errors = {}
    try:
        get_segment(session, segment_id=segment_id)
    except NotFound:
        errors["segment_id"] = ["No such segment."]
    template_id = action.get("coupon_template_id")
    if action["kind"] == "grant_coupon":
        try:
            coupons.get_template(session, template_id=template_id)
        except NotFound:
            errors["action.coupon_template_id"] = ["No such coupon template."]
    if errors:
        raise InvalidRequest("Invalid campaign", errors=errors)
    campaign = Campaign(id=new_id("cmp"), name=name, segment_id=segment_id, action=action["kind"],
                        coupon_template_id=template_id, points=action.get("points"), status="draft", granted=0,
                        skipped_capped=0, skipped_limit=0, batches=0, created_at=clock.now())
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, *, campaign_id: str) -> Campaign:
    """One campaign with its progress and outcome."""
    return _with_outcome(session, [_campaign(session, campaign_id)])[0]


def list_campaigns(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's campaigns, newest first, with their progress and outcome."""
    page = paginate(session, select(Campaign), id_column=Campaign.id, limit=limit, starting_after=starting_after)
    page.data = _with_outcome(session, page.data)
    return page


def dry_run(session: Session, *, campaign_id: str) -> dict:
    """Who the campaign would reach if launched now, and what it would cost; changes nothing."""
    campaign = _campaign(session, campaign_id)
    audience = _audience(session, campaign).subquery("audience")
    capped = _over_cap(session, now=clock.now())
    counted = session.execute(select(
        func.count().label("audience"),
        func.coalesce(func.sum(case((audience.c.customer_id.in_(capped), 1), else_=0)), 0).label("capped"),
    ).select_from(audience)).one()
    eligible = counted.audience - counted.capped
    unit_cost = campaign.points * loyalty_rules(session)["point_value"] if campaign.action == "grant_points" else None
    if campaign.action == "grant_coupon":
        template = coupons.get_template(session, template_id=campaign.coupon_template_id)
        eligible = _within_template_limits(session, template, audience=audience, capped=capped, uncapped=eligible)
        unit_cost = template.amount_off if template.kind == "amount_off" else template.max_discount
    return {
        "audience": counted.audience,
        "capped": counted.capped,
        "eligible": eligible,
        "estimated_cost": {"amount": None if unit_cost is None else unit_cost * eligible,
                           "currency": loyalty_rules(session)["currency"]},
    }


def launch(session: Session, *, campaign_id: str) -> Campaign:
    """draft -> running: the segment's members as of now become the campaign's recipients, and a job grants
    to them in batches. Launching again, or twice at once, is 409 invalid_state for all but one."""
    campaign = _campaign(session, campaign_id)
    now, tenant_id = clock.now(), require_tenant_id()
    # Two launches may race: the guarded status change, not the read above, decides which one runs.
    launched = session.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status == "draft")
        .values(status="running", launched_at=now)
    ).rowcount
    if not launched:
        raise InvalidState("Only a draft campaign can be launched")
    audience = _audience(session, campaign).subquery("audience")
    session.execute(insert(CampaignRecipient.__table__).from_select(
        ["tenant_id", "campaign_id", "customer_id", "status"],
        select(literal(tenant_id), literal(campaign.id), audience.c.customer_id, literal("pending")),
    ))
    count = session.scalar(select(func.count()).where(CampaignRecipient.campaign_id == campaign.id))
    session.execute(update(Campaign).where(Campaign.id == campaign.id).values(audience=count))
    schedule_batch(session, campaign_id=campaign.id, batches=0)
    session.refresh(campaign)
    return _with_outcome(session, [campaign])[0]


def _campaign(session: Session, campaign_id: str) -> Campaign:
    campaign = session.scalars(select(Campaign).where(Campaign.id == campaign_id)).one_or_none()
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


def _audience(session: Session, campaign: Campaign):
    return members(session, rule=stored(get_segment(session, segment_id=campaign.segment_id).rule))


def _over_cap(session: Session, *, now: datetime):
    """SELECT customer_id of customers that received as many campaign grants in the last `cap_days` as the
    tenant's frequency cap allows."""
    cap = frequency_cap(session)
    recent = CampaignRecipient
    return (select(recent.customer_id)
            .where(recent.tenant_id == require_tenant_id(), recent.status == "granted",
                   recent.granted_at > now - cap["cap_days"] * DAY)
            .group_by(recent.customer_id)
            .having(func.count() >= cap["max_grants_per_customer"]))


def _within_template_limits(session: Session, template: CouponTemplate, *, audience, capped, uncapped: int) -> int:
    """How many of the uncapped audience the template would still issue to: none once its window has ended;
    not those at its per-customer limit; no more than its total quantity has left."""
    if template.valid_until is not None and template.valid_until <= clock.now():
        return 0
    at_limit = coupons.customers_at_limit(template=template)
    blocked = session.scalar(select(func.count()).select_from(audience).where(
        audience.c.customer_id.not_in(capped), audience.c.customer_id.in_(at_limit)))
    eligible = uncapped - blocked
    if template.total_quantity is not None:
        eligible = min(eligible, max(template.total_quantity - template.issued_count, 0))
    return eligible


def _with_outcome(session: Session, campaigns: list[Campaign]) -> list[Campaign]:
    """Each campaign's outcome, in one query for the lot: its coupons used on paid orders (`redeemed`), those
    orders that still count as paid (not refunded in full), and what they paid net of refunds."""
    ids = [campaign.id for campaign in campaigns]
    outcomes = {}
    if ids:
        counted = SegmentOrder.fully_refunded.is_(False)
        rows = session.execute(
            select(CampaignRecipient.campaign_id, func.count().label("redeemed"),
                   func.coalesce(func.sum(case((counted, 1), else_=0)), 0).label("orders"),
                   func.coalesce(func.sum(case((counted, SegmentOrder.paid_amount - SegmentOrder.refunded_total),
                                               else_=0)), 0).label("revenue"))
            .join(SegmentOrder, and_(SegmentOrder.tenant_id == CampaignRecipient.tenant_id,
                                     SegmentOrder.coupon_id == CampaignRecipient.coupon_id))
            .where(CampaignRecipient.campaign_id.in_(ids), CampaignRecipient.coupon_id.is_not(None))
            .group_by(CampaignRecipient.campaign_id)
        ).all()
        outcomes = {row.campaign_id: row for row in rows}
    for campaign in campaigns:
        outcome = outcomes.get(campaign.id)
        campaign.redeemed = outcome.redeemed if outcome else 0
        campaign.orders = outcome.orders if outcome else 0
        campaign.revenue = outcome.revenue if outcome else 0
    return campaigns
