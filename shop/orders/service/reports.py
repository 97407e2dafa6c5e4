"""Sales figures for the merchant's home page: paid orders and what they brought, by period and by day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.localtime import as_date, local_day
from shop.orders.models import Order


def paid_between(session: Session, *, start: datetime, end: datetime) -> dict:
    """Orders paid in [start, end) and their total (minor units), refunds not deducted, and what was refunded
    of them so far."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total), 0), func.coalesce(func.sum(Order.refunded_total), 0))
        .where(Order.paid_at >= start, Order.paid_at < end)
    ).one()
    return {"orders": row[0], "amount": row[1], "refunded": row[2]}


def sales_by_day(session: Session, *, start: datetime, timezone: str) -> dict[date, dict]:
    """Orders paid since `start` and their total, per local day of `timezone` (days without sales absent)."""
    day = local_day(session, Order.paid_at, timezone).label("day")  # grouped by its name
    rows = session.execute(
        select(day, func.count(), func.coalesce(func.sum(Order.total), 0))
        .where(Order.paid_at >= start).group_by(day)
    )
    return {as_date(value): {"orders": count, "amount": amount} for value, count, amount in rows}
