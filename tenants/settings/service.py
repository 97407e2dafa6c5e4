"""Reading and merging a tenant's settings.

Secrets (fields marked `write_only`) are stored encrypted (core.crypto) and decrypted only when a
section is read for use; a plaintext value stored before encryption existed still reads, and every
write stores every secret of the document again under the newest key.
"""

from __future__ import annotations

import copy

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import crypto
from core.errors import InvalidRequest
from core.tenancy import require_tenant_id
from tenants.platform.cache import tenant_cache
from tenants.platform.models import Tenant
from tenants.settings.registry import sections


def _tenant(session: Session) -> Tenant:
    # The row itself, for reading all settings and changing them (`section` reads the process's copy).
    # The session's identity map holds objects weakly: keep it for the life of this session's transaction.
    tenant_id = require_tenant_id()
    cached = session.info.get("settings_tenant")
    if cached is None or cached.id != tenant_id:
        cached = session.info["settings_tenant"] = session.get(Tenant, tenant_id)
    return cached


def _stored(session: Session) -> dict:
    return copy.deepcopy(_tenant(session).settings or {})


def _opened(name: str, stored: dict | None) -> dict:
    """A stored section with its secrets decrypted."""
    values = dict(stored or {})
    for secret in sections()[name].write_only_fields():
        if isinstance(values.get(secret), str):
            values[secret] = crypto.box().decrypt(values[secret])
    return values


def _sealed(name: str, values: dict) -> dict:
    """A section as stored: its secrets encrypted under the newest key."""
    sealed = dict(values)
    for secret in sections()[name].write_only_fields():
        if isinstance(sealed.get(secret), str):
            sealed[secret] = crypto.box().encrypt(sealed[secret])
    return sealed


def section(session: Session, name: str) -> dict:
    """One section of the current tenant's settings with defaults filled in, secrets included (decrypted)."""
    tenant_id = require_tenant_id()
    row = session.info.get("settings_tenant")
    if row is not None and row.id == tenant_id:
        # This transaction read the row to change it: read through it, as changed so far.
        cache = session.info.setdefault("settings_sections", {})
        if (tenant_id, name) not in cache:
            cache[(tenant_id, name)] = sections()[name].schema().load(_opened(name, (row.settings or {}).get(name)))
        return _copy_of(cache[(tenant_id, name)])
    # Otherwise from this process's copy of the row, parsed once per copy (tenants/platform/cache.py).
    facts = tenant_cache.get(tenant_id, session=session)
    parsed = facts.sections.get(name)
    if parsed is None:
        parsed = facts.sections[name] = sections()[name].schema().load(_opened(name, facts.settings.get(name)))
    return _copy_of(parsed)


def _copy_of(parsed: dict) -> dict:
    """A caller's own copy of a parsed section (it may change it): values that are lists or dicts copied
    deeply, the rest (numbers, strings, decimals, instants) shared, as they cannot change. Every checkout reads
    several sections: a deep copy of each was a tenth of a millisecond per order (issue 14)."""
    return {key: copy.deepcopy(value) if isinstance(value, (dict, list, set)) else value
            for key, value in parsed.items()}


def get_all(session: Session) -> dict:
    """Every section, defaults filled in, secrets replaced by `<name>_set` flags."""
    stored = _stored(session)
    result = {}
    for name, registered in sorted(sections().items()):
        schema = registered.schema()
        values = schema.load(_opened(name, stored.get(name)))
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
    # Open every secret: what is written back is sealed again under the newest key (rotation on write).
    document = {name: _opened(name, values) if name in registered else values
                for name, values in _stored(session).items()}
    errors, changed = {}, []
    for name, partial in patch.items():
        if not isinstance(partial, dict):
            errors[name] = ["Must be an object."]
            continue
        candidate = _merge(document.get(name) or {}, partial)
        try:
            loaded = registered[name].schema().load(candidate)
        except ma.ValidationError as error:
            errors[name] = error.messages  # messages only: marshmallow never echoes the value
            continue
        if loaded != _loaded_or_none(registered[name], document.get(name)):
            changed.append(registered[name])
        document[name] = candidate
    if errors:
        raise InvalidRequest("Invalid settings", errors={"json": errors})
    _tenant(session).settings = {name: _sealed(name, values) if name in registered else values
                                 for name, values in document.items()}
    session.info.pop("settings_sections", None)
    session.flush()
    for section_changed in changed:
        for listener in section_changed.listeners:
            listener(session)
    return get_all(session)


def rotate_secrets(session: Session, *, after_tenant_id: str | None = None, limit: int = 500) -> tuple[int, str | None]:
    """Platform-wide: re-encrypt every tenant's stored secrets under the newest key (legacy plaintext included).

    Works through tenants in id order, `limit` at a time; returns how many secrets it rewrote and the
    last tenant id seen (None when done), so the caller commits batch by batch.
    """
    query = select(Tenant).order_by(Tenant.id).limit(limit).with_for_update()
    if after_tenant_id is not None:
        query = query.where(Tenant.id > after_tenant_id)
    tenants = list(session.scalars(query))
    rewritten = 0
    for tenant in tenants:
        document = copy.deepcopy(tenant.settings or {})
        for name, registered in sections().items():
            values = document.get(name)
            for secret in registered.write_only_fields() if isinstance(values, dict) else ():
                if isinstance(values.get(secret), str):
                    values[secret] = crypto.box().rotate(values[secret])
                    rewritten += 1
        tenant.settings = document
    session.flush()
    return rewritten, tenants[-1].id if len(tenants) == limit else None
