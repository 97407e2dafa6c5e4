"""Tags: manual ones (members added by hand) and rule ones (members computed by their rule, set-based)."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.db import UTCDateTime, insert_ignoring_conflicts
from core.errors import DomainError, InvalidRequest, InvalidState, NotFound
from core.ids import new_id
from core.pagination import paginate
from core.tenancy import require_tenant_id
from loyalty.segments.models import CustomerTag, Tag
from loyalty.segments.service.rules import members, parse_rule, stored
from tenants.customers.models import Customer


class NameTaken(DomainError):
    status, reason = 409, "name_taken"
    message = "A tag of this name exists already"


def create_tag(session: Session, *, name: str, rule: dict | None = None) -> Tag:
    """A manual tag, or a rule tag whose members are computed now; 409 name_taken for a name in use."""
    if rule is not None:
        parse_rule(session, rule=rule)
    tag = Tag(id=new_id("tag"), name=name, kind="manual" if rule is None else "rule", rule=rule,
              created_at=clock.now())
    try:
        with session.begin_nested():  # two creations may race for a name: the unique key decides
            session.add(tag)
    except IntegrityError:
        raise NameTaken() from None
    if rule is not None:
        _refresh_members(session, tag)
    return _with_counts(session, [tag])[0]


def get_tag(session: Session, *, tag_id: str) -> Tag:
    """One tag with its member count."""
    return _with_counts(session, [_tag(session, tag_id)])[0]


def list_tags(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's tags, newest first, with their member counts."""
    page = paginate(session, select(Tag), id_column=Tag.id, limit=limit, starting_after=starting_after)
    page.data = _with_counts(session, page.data)
    return page


def tags_of(session: Session, *, customer_id: str) -> list[Tag]:
    """The tags a customer holds, by name (rule tags as of their last refresh)."""
    return list(session.scalars(
        select(Tag).join(CustomerTag, CustomerTag.tag_id == Tag.id)
        .where(CustomerTag.customer_id == customer_id).order_by(Tag.name)
    ))


def add_customers(session: Session, *, tag_id: str, customer_ids: list[str]) -> dict:
    """Put customers in a manual tag (those already in it stay, once); an id that is not a customer of the
    tenant is 422 and adds nobody."""
    tag = _manual(session, tag_id)
    wanted = list(dict.fromkeys(customer_ids))
    known = set(session.scalars(select(Customer.id).where(Customer.id.in_(wanted))))
    unknown = {f"customer_ids.{index}": ["No such customer."]
               for index, customer_id in enumerate(customer_ids) if customer_id not in known}
    if unknown:
        raise InvalidRequest("Unknown customers", errors=unknown)
    now, tenant_id = clock.now(), require_tenant_id()
    added = insert_ignoring_conflicts(
        session, CustomerTag.__table__,
        [{"tenant_id": tenant_id, "tag_id": tag.id, "customer_id": customer_id, "created_at": now}
         for customer_id in wanted],
        index_elements=["tenant_id", "tag_id", "customer_id"],
    )
    return {"added": added}


def remove_customer(session: Session, *, tag_id: str, customer_id: str) -> None:
    """Take a customer out of a manual tag (nothing happens if it was not in it)."""
    tag = _manual(session, tag_id)
    session.execute(delete(CustomerTag).where(CustomerTag.tag_id == tag.id, CustomerTag.customer_id == customer_id))


def refresh_tag(session: Session, *, tag_id: str) -> Tag:
    """Recompute a rule tag's members now (409 invalid_state for a manual tag)."""
    tag = _tag(session, tag_id)
    if tag.kind != "rule":
        raise InvalidState("Only a rule tag is refreshed; a manual tag's members are added by hand")
    _refresh_members(session, tag)
    return _with_counts(session, [tag])[0]


def refresh_rule_tags(session: Session) -> int:
    """Recompute every rule tag of the tenant, oldest first (a rule may name an older tag, never a newer
    one, so each sees its dependencies already refreshed); returns how many."""
    tags = list(session.scalars(select(Tag).where(Tag.kind == "rule").order_by(Tag.id)))
    for tag in tags:
        _refresh_members(session, tag)
    return len(tags)


def _refresh_members(session: Session, tag: Tag) -> None:
    """Two statements whatever the tag's size: drop members the rule no longer matches, add new ones."""
    tenant_id, now = require_tenant_id(), clock.now()
    matched = members(session, rule=stored(tag.rule)).subquery("matched")
    session.execute(
        delete(CustomerTag).where(CustomerTag.tenant_id == tenant_id, CustomerTag.tag_id == tag.id,
                                  CustomerTag.customer_id.not_in(select(matched.c.customer_id)))
        .execution_options(synchronize_session=False)
    )
    already = select(CustomerTag.customer_id).where(CustomerTag.tenant_id == tenant_id, CustomerTag.tag_id == tag.id)
    session.execute(
        insert(CustomerTag.__table__).from_select(
            ["tenant_id", "tag_id", "customer_id", "created_at"],
            select(literal(tenant_id), literal(tag.id), matched.c.customer_id, literal(now, UTCDateTime()))
            .where(matched.c.customer_id.not_in(already)),
        )
    )
    tag.refreshed_at = now
    session.flush()


def _tag(session: Session, tag_id: str) -> Tag:
    tag = session.scalars(select(Tag).where(Tag.id == tag_id)).one_or_none()
    if tag is None:
        raise NotFound("No such tag")
    return tag


def _manual(session: Session, tag_id: str) -> Tag:
    tag = _tag(session, tag_id)
    if tag.kind != "manual":
        raise InvalidState("A rule tag's members are whoever its rule matches; they are not added by hand")
    return tag


def _with_counts(session: Session, tags: list[Tag]) -> list[Tag]:
    """Each tag with `customer_count`, counted in one query for the lot."""
    counts = dict(session.execute(
        select(CustomerTag.tag_id, func.count()).where(CustomerTag.tag_id.in_([tag.id for tag in tags]))
        .group_by(CustomerTag.tag_id)
    ).all()) if tags else {}
    for tag in tags:
        tag.customer_count = counts.get(tag.id, 0)
    return tags
