"""Segments: named rules whose members are computed when asked for, and their preview."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import NotFound
from core.ids import new_id
from core.pagination import paginate
from loyalty.segments.models import Segment
from loyalty.segments.service.rules import members, parse_rule, stored

SAMPLE_SIZE = 20


def create_segment(session: Session, *, name: str, rule: dict) -> Segment:
    """A segment of the customers its rule matches (422 naming each bad part of the rule)."""
    parse_rule(session, rule=rule)
    segment = Segment(id=new_id("seg"), name=name, rule=rule, created_at=clock.now())
    session.add(segment)
    session.flush()
    return segment


def update_segment(session: Session, *, segment_id: str, name: str, rule: dict) -> Segment:
    """Rename a segment or change its rule (422 naming each bad part); a campaign reads its segment's rule
    when it is dry-run or launched, so one already launched keeps the recipients it had."""
    segment = get_segment(session, segment_id=segment_id)
    parse_rule(session, rule=rule)
    segment.name, segment.rule = name, rule
    session.flush()
    return segment


def get_segment(session: Session, *, segment_id: str) -> Segment:
    segment = session.scalars(select(Segment).where(Segment.id == segment_id)).one_or_none()
    if segment is None:
        raise NotFound("No such segment")
    return segment


def list_segments(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's segments, newest first."""
    return paginate(session, select(Segment), id_column=Segment.id, limit=limit, starting_after=starting_after)


def preview(session: Session, *, segment_id: str) -> dict:
    """How many customers the segment holds now and the ids of up to 20 of them (newest first); changes nothing."""
    segment = get_segment(session, segment_id=segment_id)
    return _counted(session, members(session, rule=stored(segment.rule)))


def preview_rule(session: Session, *, rule: dict) -> dict:
    """`preview` of a rule not saved yet (the console's rule builder): 422 naming each bad part, else how many
    customers it matches now and up to 20 of them; changes nothing."""
    return _counted(session, members(session, rule=parse_rule(session, rule=rule)))


def _counted(session: Session, selected) -> dict:
    matched = selected.subquery("matched")
    count = session.scalar(select(func.count()).select_from(matched))
    sample = list(session.scalars(select(matched.c.customer_id).order_by(matched.c.customer_id.desc())
                                  .limit(SAMPLE_SIZE)))
    return {"count": count, "sample": sample}
