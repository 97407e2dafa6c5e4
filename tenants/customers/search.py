"""Finding a tenant's customers by what a clerk may have at hand: an id, an invite code, an openid or a name."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.api import Page
from core.pagination import paginate
from tenants.customers import extensions
from tenants.customers.models import Customer


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_customers(session: Session, *, q: str | None, limit: int, starting_after: str | None,
                     filters: dict | None = None) -> Page:
    """Customers newest first; with `q`, those whose id, invite code or openid is `q`, or whose nickname
    contains it; narrowed by the filters capabilities registered (extensions.parse_filters: stage, tag)."""
    query = extensions.apply_filters(session, select(Customer), filters or {})
    q = (q or "").strip()
    if q:
        query = query.where(or_(Customer.id == q, Customer.invite_code == q.upper(), Customer.openid == q,
                                Customer.nickname.ilike(_like(q), escape="\\")))
    return paginate(session, query, id_column=Customer.id, limit=limit, starting_after=starting_after)
