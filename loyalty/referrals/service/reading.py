"""What inviters and merchants read: an inviter's referrals and summary, the tenant's referral report."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from core.api import Page
from core.errors import NotFound
from core.pagination import paginate
from core.periods import period_bounds
from loyalty.referrals.models import Referral, ReferralReward
from loyalty.settings import loyalty_rules

TOP_INVITERS = 10


def _count_where(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def list_for_inviter(session: Session, *, inviter_id: str, limit: int, starting_after: str | None) -> Page:
    """The customers this one brought, newest first."""
    return paginate(session, select(Referral).where(Referral.inviter_id == inviter_id), id_column=Referral.id,
                    limit=limit, starting_after=starting_after)


def list_referrals(session: Session, *, status: str | None, inviter_id: str | None, limit: int,
                   starting_after: str | None) -> Page:
    """The tenant's referrals with what each was rewarded, newest first (by status and/or inviter)."""
    query = select(Referral).options(selectinload(Referral.rewards))
    if status is not None:
        query = query.where(Referral.status == status)
    if inviter_id is not None:
        query = query.where(Referral.inviter_id == inviter_id)
    return paginate(session, query, id_column=Referral.id, limit=limit, starting_after=starting_after)


def get_referral(session: Session, *, referral_id: str) -> Referral:
    referral = session.scalars(
        select(Referral).where(Referral.id == referral_id).options(selectinload(Referral.rewards))
    ).one_or_none()
    if referral is None:
        raise NotFound("No such referral")
    return referral


def summary_for_inviter(session: Session, *, inviter_id: str) -> dict:
    """How many this customer invited, how many qualified and were capped (apart), and the points it earned."""
    counts = session.execute(select(
        func.count(Referral.id).label("invited"),
        _count_where(Referral.status == "qualified").label("qualified"),
        _count_where(Referral.status == "capped").label("capped"),
    ).where(Referral.inviter_id == inviter_id)).one()
    earned = session.scalar(select(func.coalesce(func.sum(ReferralReward.points), 0)).where(
        ReferralReward.customer_id == inviter_id, ReferralReward.side == "inviter", ReferralReward.kind == "points"))
    return {"invited": counts.invited, "qualified": counts.qualified, "capped": counts.capped,
            "points_earned": earned}


def report(session: Session, *, start: date | datetime | None = None, end: date | datetime | None = None) -> dict:
    """The funnel of the referrals created in [start, end): invited, ordered, paid, qualified, capped, what
    their rewards cost (both sides), and the inviters who brought the most."""
    since, until = period_bounds(start, end, timezone=loyalty_rules(session)["timezone"])
    in_period = []
    if since is not None:
        in_period.append(Referral.created_at >= since)
    if until is not None:
        in_period.append(Referral.created_at < until)
    funnel = session.execute(select(
        func.count(Referral.id).label("invited"),
        _count_where(Referral.first_ordered_at.is_not(None)).label("ordered"),
        _count_where(Referral.first_paid_at.is_not(None)).label("paid"),
        _count_where(Referral.status == "qualified").label("qualified"),
        _count_where(Referral.status == "capped").label("capped"),
    ).where(*in_period)).one()
    rewards = session.execute(select(
        func.coalesce(func.sum(ReferralReward.points), 0).label("points_cost"),
        _count_where(ReferralReward.coupon_id.is_not(None)).label("coupons_issued"),
    ).join(Referral, Referral.id == ReferralReward.referral_id).where(*in_period)).one()
    qualified = _count_where(Referral.status == "qualified")
    top = session.execute(
        select(Referral.inviter_id, func.count(Referral.id).label("invited"), qualified.label("qualified"))
        .where(*in_period).group_by(Referral.inviter_id)
        .order_by(qualified.desc(), func.count(Referral.id).desc(), Referral.inviter_id).limit(TOP_INVITERS)
    ).all()
    return {
        "invited": funnel.invited, "ordered": funnel.ordered, "paid": funnel.paid,
        "qualified": funnel.qualified, "capped": funnel.capped,
        "points_cost": rewards.points_cost, "coupons_issued": rewards.coupons_issued,
        "top_inviters": [{"customer_id": row.inviter_id, "invited": row.invited, "qualified": row.qualified}
                         for row in top],
    }
