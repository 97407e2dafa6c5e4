"""What other capabilities add to the admin customer views: list filters and detail fields.

`tenants` cannot know about capabilities above it (segments in loyalty, distribution in shop, …); they
register here from their `wire()`, the way login hooks do (tenants/sessions/hooks.py):

- `register_filter(name, field, apply)` adds the query parameter `name` to `GET /v1/admin/customers`.
  `field` (a marshmallow field) parses the value — a bad one is 422 `invalid_request` under
  `errors.query.<name>`, like any query parameter — and `apply(session, query, value)` returns the
  SELECT of customers narrowed by it (a WHERE on `Customer`, an EXISTS on the capability's own tables).
  Parameters nobody registered are ignored, as unknown query parameters are everywhere in the API.
- `register_detail(name, enrich)` adds fields to `GET /v1/admin/customers/{id}`:
  `enrich(session, customer) -> dict` of JSON-ready values merged at the top level of the body
  (segments adds `stage`, `stage_since`, `rfm`). Enrichers run in registration order; a name is
  registered once (registering it again replaces it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import marshmallow as ma
from sqlalchemy import Select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ListFilter:
    name: str
    field: ma.fields.Field
    apply: Callable[[Session, Select, object], Select]


_filters: dict[str, ListFilter] = {}
_enrichers: dict[str, Callable[..., dict]] = {}


def register_filter(name: str, field: ma.fields.Field, apply: Callable[[Session, Select, object], Select]) -> None:
    """Let `GET /v1/admin/customers?<name>=…` narrow the list with `apply`."""
    _filters[name] = ListFilter(name, field, apply)


def register_detail(name: str, enrich: Callable[..., dict]) -> None:
    """Merge `enrich(session, customer)` into every `GET /v1/admin/customers/{id}` body."""
    _enrichers[name] = enrich


def parse_filters(raw: dict) -> dict:
    """The registered filters' values parsed from raw query parameters (others are ignored);
    ValidationError naming each bad one."""
    errors, parsed = {}, {}
    for name, value in raw.items():
        registered = _filters.get(name)
        if registered is None:
            continue
        try:
            parsed[name] = registered.field.deserialize(value, name, raw)
        except ma.ValidationError as invalid:
            errors[name] = invalid.messages
    if errors:
        raise ma.ValidationError(errors)
    return parsed


def apply_filters(session: Session, query: Select, filters: dict) -> Select:
    for name, value in filters.items():
        query = _filters[name].apply(session, query, value)
    return query


def enrich(session: Session, customer) -> dict:
    extra = {}
    for enricher in _enrichers.values():
        extra.update(enricher(session, customer))
    return extra
