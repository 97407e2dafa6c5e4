"""Rules as services use them: parsed and checked against the tenant's tags, and their members selected."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import clock
from core.errors import InvalidRequest
from core.tenancy import require_tenant_id
from loyalty.segments import compiler
from loyalty.segments.language import FIELDS, GROUPS, FieldSpec, Group, RuleErrors, parse, tag_ids
from loyalty.segments.models import Tag
from loyalty.segments.settings import thresholds


def parse_rule(session: Session, *, rule: object, path: str = "rule") -> Group:
    """The parsed rule, or 422 invalid_request with `errors` keyed by each bad part's path (`rule.all.1.op`).
    A `tag` condition must name a tag of this tenant (another tenant's is no tag at all)."""
    wanted = tag_ids(rule)
    known = set(session.scalars(select(Tag.id).where(Tag.id.in_(wanted)))) if wanted else set()
    try:
        return parse(rule, known_tags=known, path=path)
    except RuleErrors as invalid:
        raise InvalidRequest("Invalid rule", errors=invalid.errors) from None


def members(session: Session, *, rule: Group) -> Select:
    """SELECT customer_id of every customer of the tenant the rule matches, as of now: one query."""
    return compiler.members(rule, tenant_id=require_tenant_id(), now=clock.now(), thresholds=thresholds(session))


def stored(rule: dict) -> Group:
    """A rule stored after it was validated (its tags may have gone since: a missing tag matches nobody)."""
    return parse(rule, known_tags=set(tag_ids(rule)))


def rule_language() -> dict[str, object]:
    """The rule language as an editor offers it (the console's rule builder): the groups a rule may be, and each
    field with its kind (number, stage, tag, boolean) and the operators it takes, in the language's order."""
    fields: dict[str, FieldSpec] = dict(FIELDS)
    return {"groups": GROUPS, "fields": fields}
