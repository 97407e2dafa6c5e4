"""A report's period: `from` inclusive, `to` exclusive, as ISO 8601 dates (the tenant's local days) or
date-times (with an offset, or local time) — "so everywhere a report takes a period" (API.md, Finance).

`from=2025-03-01&to=2025-04-01` is March, in the tenant's timezone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import marshmallow as ma

from core.api import Schema
from core.errors import InvalidRequest


class DateOrDateTime(ma.fields.Field):
    """An ISO 8601 date (the start of a local day of the tenant) or date-time (with an offset, or local)."""

    def _deserialize(self, value, attr, data, **kwargs) -> date | datetime:
        if not isinstance(value, str):
            raise ma.ValidationError("An ISO 8601 date or date-time.")
        try:
            parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError as error:
            raise ma.ValidationError("An ISO 8601 date or date-time.") from error
        # Far enough from the calendar's ends that a time zone applied cannot overflow.
        if not 1900 <= parsed.year <= 9000:
            raise ma.ValidationError("A year between 1900 and 9000.")
        return parsed


class PeriodArgsSchema(Schema):
    """`from` inclusive, `to` exclusive: dates are the tenant's local days, date-times may carry an offset."""

    start = DateOrDateTime(data_key="from", load_default=None, metadata={
        "type": "string", "description": "Start (inclusive): an ISO 8601 date (the tenant's local day) or date-time"})
    end = DateOrDateTime(data_key="to", load_default=None, metadata={
        "type": "string", "description": "End (exclusive): an ISO 8601 date (the tenant's local day) or date-time"})


def period_bounds(start: date | datetime | None, end: date | datetime | None, *,
                  timezone: str) -> tuple[datetime | None, datetime | None]:
    """The period as [since, until) instants: a date is the start of that local day of the tenant, for both
    ends; a date-time without an offset is local time. 422 if it ends before it starts."""
    zone = ZoneInfo(timezone)

    def instant(value: date | datetime | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return datetime.combine(value, time.min, tzinfo=zone)

    since, until = instant(start), instant(end)
    if since is not None and until is not None and since >= until:
        raise InvalidRequest("The period ends before it starts", errors={"query": {"to": ["Must be after from."]}})
    return since, until
