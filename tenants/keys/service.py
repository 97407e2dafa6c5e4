"""Tenant secret keys: created with a role, shown once, stored hashed, revocable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import NotFound
from core.ids import new_id, random_token
from core.pagination import paginate
from tenants.auth import hash_secret
from tenants.keys.models import ApiKey


def create_key(session: Session, *, role: str, name: str | None = None) -> tuple[ApiKey, str]:
    """Create a secret key; returns the row and the secret, which is never retrievable again."""
    secret = "sk_" + random_token(24)
    key = ApiKey(id=new_id("key"), role=role, name=name, key_hash=hash_secret(secret),
                 key_hint=secret[:7] + "…" + secret[-4:], created_at=clock.now())
    session.add(key)
    session.flush()
    return key, secret


def list_keys(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's keys, newest first."""
    return paginate(session, select(ApiKey), id_column=ApiKey.id, limit=limit, starting_after=starting_after)


def revoke_key(session: Session, *, key_id: str) -> ApiKey:
    """Revoke a key; it stops authenticating at once."""
    key = session.scalars(select(ApiKey).where(ApiKey.id == key_id)).one_or_none()
    if key is None:
        raise NotFound("No such API key")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
    return key
