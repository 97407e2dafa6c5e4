"""Points flow per day for the merchant's home page: issued, spent and expired, from the ledger."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core.localtime import as_date, local_day
from loyalty.points.models import PointsEntry


def _sum(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def flow_by_day(session: Session, *, start: datetime, timezone: str) -> dict[date, dict]:
    """Per local day since `start`: points issued (earned, signed in for, added by admins), spent (on orders
    and rewards, less what cancellations and refunds gave back) and expired. Days without entries are absent."""
    kind, points = PointsEntry.kind, PointsEntry.points
    day = local_day(session, PointsEntry.created_at, timezone).label("day")  # grouped by its name
    rows = session.execute(
        select(
            day,
            _sum(kind.in_(["earn", "sign_in"]) | and_(kind == "adjustment", points > 0), points),
            _sum(kind.in_(["spend", "release", "return", "exchange"]), -points),
            _sum(kind == "expire", -points),
        ).where(PointsEntry.created_at >= start).group_by(day)
    )
    return {as_date(value): {"issued": issued, "spent": spent, "expired": expired}
            for value, issued, spent, expired in rows}
