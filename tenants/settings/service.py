"""Reading and merging a tenant's settings."""

from __future__ import annotations

import copy

import marshmallow as ma
from sqlalchemy.orm import Session

from core.errors import InvalidRequest
from core.tenancy import require_tenant_id
from tenants.platform.models import Tenant
from tenants.settings.registry import sections


def _tenant(session: Session) -> Tenant:
    # The session's identity map holds objects weakly, so a checkout that reads three sections would
    # load the tenant row three times; keep it for the life of this session's transaction instead.
    tenant_id = require_tenant_id()
    cached = session.info.get("settings_tenant")
    if cached is None or cached.id != tenant_id:
        cached = session.info["settings_tenant"] = session.get(Tenant, tenant_id)
    return cached


def _stored(session: Session) -> dict:
    return copy.deepcopy(_tenant(session).settings or {})


def section(session: Session, name: str) -> dict:
    """One section of the current tenant's settings with defaults filled in, secrets included."""
    cache = session.info.setdefault("settings_sections", {})
    key = (require_tenant_id(), name)
    if key not in cache:
        cache[key] = sections()[name].schema().load((_tenant(session).settings or {}).get(name) or {})
    return copy.deepcopy(cache[key])


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


def _loaded_or_none(registered, values: dict | None) -> dict | None:
    try:
        return registered.schema().load(values or {})
    except ma.ValidationError:  # stored before a stricter schema: anything valid now is a change
        return None


def update(session: Session, *, patch: dict) -> dict:
    """Merge a partial document into the settings; invalid values change nothing (422)."""
    registered = sections()
    unknown = sorted(set(patch) - set(registered))
    if unknown:
        raise InvalidRequest("Unknown settings sections", errors={"json": {n: ["Unknown section."] for n in unknown}})
    stored = _stored(session)
    errors, changed = {}, []
    for name, partial in patch.items():
        if not isinstance(partial, dict):
            errors[name] = ["Must be an object."]
            continue
        candidate = _merge(stored.get(name) or {}, partial)
        try:
            loaded = registered[name].schema().load(candidate)
        except ma.ValidationError as error:
            errors[name] = error.messages
            continue
        if loaded != _loaded_or_none(registered[name], stored.get(name)):
            changed.append(registered[name])
        stored[name] = candidate
    if errors:
        raise InvalidRequest("Invalid settings", errors={"json": errors})
    _tenant(session).settings = stored
    session.info.pop("settings_sections", None)
    session.flush()
    for section_changed in changed:
        for listener in section_changed.listeners:
            listener(session)
    return get_all(session)
