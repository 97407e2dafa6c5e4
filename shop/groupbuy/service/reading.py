"""Reading groups: one group as its invitees see it, and a campaign's groups for the merchant."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.api import Page
from core.errors import NotFound
from core.pagination import paginate
from shop.groupbuy.models import Group
from shop.groupbuy.service.campaigns import get_campaign


def get_group(session: Session, *, group_id: str) -> Group:
    """One group with the members holding seats (any consumer of the tenant: groups are shared to invite)."""
    group = session.scalars(select(Group).where(Group.id == group_id)).one_or_none()
    if group is None:
        raise NotFound("No such group")
    return group


def list_groups(session: Session, *, campaign_id: str, status: str | None, limit: int,
                starting_after: str | None) -> Page:
    """A campaign's groups newest first, optionally of one status."""
    get_campaign(session, campaign_id=campaign_id)
    query = select(Group).where(Group.campaign_id == campaign_id)
    if status:
        query = query.where(Group.status == status)
    return paginate(session, query, id_column=Group.id, limit=limit, starting_after=starting_after)


def group_counts(session: Session, *, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
    """How many groups of each campaign are in each status (one aggregate query): what a campaign's success
    rate is read from."""
    counts: dict[str, dict[str, int]] = {campaign_id: {} for campaign_id in campaign_ids}
    if not campaign_ids:
        return counts
    rows = session.execute(select(Group.campaign_id, Group.status, func.count())
                           .where(Group.campaign_id.in_(campaign_ids)).group_by(Group.campaign_id, Group.status))
    for campaign_id, status, count in rows:
        counts[campaign_id][status] = count
    return counts
