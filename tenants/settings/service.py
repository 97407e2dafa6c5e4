"""Reading and merging a tenant's settings."""

from __future__ import annotations

import copy

import marshmallow as ma
from sqlalchemy.orm import Session

from core.errors import InvalidRequest
from core.tenancy import require_tenant_id
from tenants.platform.models import Tenant
from tenants.settings.registry import sections


def _stored(session: Session) -> dict:
    tenant = session.get(Tenant, require_tenant_id())
    return copy.deepcopy(tenant.settings or {})


def section(session: Session, name: str) -> dict:
    """One section of the current tenant's settings with defaults filled in, secrets included."""
    registered = sections()[name]
    return registered.schema().load(_stored(session).get(name) or {})


def get_all(session: Session) -> dict:
    """Every section, defaults filled in, secrets replaced by `<name>_set` flags."""
    stored = _stored(session)
    result = {}
    for name, registered in sorted(sections().items()):
        schema = registered.schema()
        values = schema.load(stored.get(name) or {})
        rendered = schema.dump(values)  # load_only secrets are left out
        for secret in registered.write_only_fields():
            rendered[f"{secret}_set"] = bool(values.get(secret))
        result[name] = rendered
    return result


def _merge(base: dict, patch: dict) -> dict:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def update(session: Session, *, patch: dict) -> dict:
    """Merge a partial document into the settings; invalid values change nothing (422)."""
    registered = sections()
    unknown = sorted(set(patch) - set(registered))
    if unknown:
        raise InvalidRequest("Unknown settings sections", errors={"json": {n: ["Unknown section."] for n in unknown}})
    stored = _stored(session)
    errors = {}
    for name, partial in patch.items():
        if not isinstance(partial, dict):
            errors[name] = ["Must be an object."]
            continue
        candidate = _merge(stored.get(name) or {}, partial)
        try:
            registered[name].schema().load(candidate)
        except ma.ValidationError as error:
            errors[name] = error.messages
            continue
        stored[name] = candidate
    if errors:
        raise InvalidRequest("Invalid settings", errors={"json": errors})
    tenant = session.get(Tenant, require_tenant_id())
    tenant.settings = stored
    session.flush()
    return get_all(session)
