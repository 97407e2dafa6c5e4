"""Grouping timestamps by a tenant's local calendar day, in SQL, on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import Session


def local_day(session: Session, column, timezone: str):
    """A SQL expression for the local date (in `timezone`) of a UTC timestamp column.

    PostgreSQL converts with the real zone rules; SQLite (the embedded default) knows no zones, so it shifts
    by the zone's offset now, which is off by an hour around a daylight-saving change only.
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(timezone, column))
    offset = int(datetime.now(ZoneInfo(timezone)).utcoffset().total_seconds() // 60)
    return func.date(column, f"{offset:+d} minutes")


def as_date(value) -> date:
    """The database's answer for `local_day` (a date on PostgreSQL, text on SQLite) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
