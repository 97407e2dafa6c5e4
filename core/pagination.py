"""Keyset pagination, newest first. Ids sort by creation time (core.ids), so the id is the key."""

from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.api import Page


def paginate(session: Session, query: Select, *, id_column, limit: int, starting_after: str | None) -> Page:
    """One page of `query` ordered newest first, after the item `starting_after` if given."""
    if starting_after:
        query = query.where(id_column < starting_after)
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    return Page(rows[:limit], has_more=len(rows) > limit)
