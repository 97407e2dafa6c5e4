"""Coupon templates: created by admins, listed to consumers when claimable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import NotFound
from core.ids import new_id
from core.pagination import paginate
from loyalty.coupons.models import CouponTemplate


def create_template(session: Session, **terms) -> CouponTemplate:
    """Create a coupon template (its terms validated by the schema)."""
    template = CouponTemplate(id=new_id("cpt"), issued_count=0, created_at=clock.now(), **terms)
    session.add(template)
    session.flush()
    return template


def get_template(session: Session, *, template_id: str) -> CouponTemplate:
    template = session.scalars(select(CouponTemplate).where(CouponTemplate.id == template_id)).one_or_none()
    if template is None:
        raise NotFound("No such coupon template")
    return template


def get_claimable_template(session: Session, *, template_id: str) -> CouponTemplate:
    """A template consumers may claim; grant-only templates do not exist for them (404)."""
    template = get_template(session, template_id=template_id)
    if not template.claimable:
        raise NotFound("No such coupon template")
    return template


def list_templates(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """Every template of the tenant, newest first."""
    return paginate(session, select(CouponTemplate), id_column=CouponTemplate.id, limit=limit,
                    starting_after=starting_after)


def list_claimable_templates(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """Templates consumers may claim now: claimable, window not ended, not sold out; newest first."""
    now = clock.now()
    query = select(CouponTemplate).where(
        CouponTemplate.claimable.is_(True),
        CouponTemplate.valid_until.is_(None) | (CouponTemplate.valid_until > now),
        CouponTemplate.total_quantity.is_(None) | (CouponTemplate.issued_count < CouponTemplate.total_quantity),
    )
    return paginate(session, query, id_column=CouponTemplate.id, limit=limit, starting_after=starting_after)
