"""The tenant's points position for finance: what was issued, spent, expired and reversed, and what is owed."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core import clock
from loyalty.points.models import PointsAccount, PointsEntry, PointsLot
from loyalty.settings import loyalty_rules


def _sum(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def points_report(session: Session) -> dict:
    """issued - spent - expired - reversed = outstanding - debt, with the outstanding points' money value.

    Points held by unpaid orders are outstanding (they come back if the order is cancelled), not spent;
    lots past their expiry that the job has not reached yet count as expired already.
    """
    now = clock.now()
    kind, points = PointsEntry.kind, PointsEntry.points
    credits = ["earn", "sign_in", "referral", "campaign"]
    ledger = session.execute(select(
        _sum(kind.in_(credits) | and_(kind == "adjustment", points > 0), points).label("issued"),
        _sum(kind.in_(["spend", "release", "return", "exchange"]), -points).label("spent_or_held"),
        _sum(kind == "expire", -points).label("expired"),
        _sum((kind == "reversal") | and_(kind == "adjustment", points < 0), -points).label("reversed"),
    )).one()
    not_expired = PointsLot.expires_at.is_(None) | (PointsLot.expires_at > now)
    lots = session.execute(select(
        _sum(not_expired & (PointsLot.available_at <= now), PointsLot.remaining).label("available"),
        _sum(not_expired & (PointsLot.available_at > now), PointsLot.remaining).label("pending"),
        _sum(~not_expired, PointsLot.remaining).label("expired_unprocessed"),
    ).where(PointsLot.remaining > 0)).one()
    accounts = session.execute(select(
        func.coalesce(func.sum(PointsAccount.held), 0).label("held"),
        func.coalesce(func.sum(PointsAccount.debt), 0).label("debt"),
    )).one()
    outstanding = lots.available + lots.pending + accounts.held
    rules = loyalty_rules(session)
    return {
        "issued": ledger.issued,
        "pending": lots.pending,
        "spent": ledger.spent_or_held - accounts.held,
        "expired": ledger.expired + lots.expired_unprocessed,
        "reversed": ledger.reversed,
        "outstanding": outstanding,
        "available": lots.available,
        "held": accounts.held,
        "debt": accounts.debt,
        "liability": {"amount": outstanding * rules["point_value"], "currency": rules["currency"]},
    }
