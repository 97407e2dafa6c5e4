"""Console sessions: started by signing in with a secret key, resolved on every request, ended on the server.

The browser holds only an opaque random token; the table keeps its SHA-256, so a copy of the database
opens no browser session. Every request re-reads the session with its key and tenant, so a revoked key
or a suspended tenant stops the console at the next click, as it stops the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from console.sessions.models import ConsoleSession
from core import clock
from core.ids import new_id, random_token
from core.tenancy import all_tenants
from tenants.auth import Principal, TenantSuspended, hash_secret
from tenants.keys.models import ApiKey
from tenants.platform.models import Tenant

IDLE_TIMEOUT = timedelta(hours=12)
LIFETIME = timedelta(days=7)
TOUCH_RESOLUTION = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a console request, and the tenant it works in."""

    session_id: str
    principal: Principal
    tenant_name: str
    currency: str
    timezone: str


def start(session: Session, *, key_id: str) -> str:
    """Start a session for a secret key (of the current tenant); returns the token for the cookie."""
    token = random_token(32)
    now = clock.now()
    session.add(ConsoleSession(id=new_id("csn"), key_id=key_id, token_hash=hash_secret(token), created_at=now,
                               last_seen_at=now, expires_at=now + LIFETIME))
    session.flush()
    return token


def resolve(session: Session, *, token: str | None) -> SignedIn | None:
    """The live session of this token, or None; a session found dead (key revoked, idle, too old) is ended."""
    if not token:
        return None
    now = clock.now()
    # The tenant is known only once the session is found: this lookup is deliberately cross-tenant.
    with all_tenants():
        row = session.execute(
            select(ConsoleSession, ApiKey, Tenant)
            .join(ApiKey, (ApiKey.tenant_id == ConsoleSession.tenant_id) & (ApiKey.id == ConsoleSession.key_id))
            .join(Tenant, Tenant.id == ConsoleSession.tenant_id)
            .where(ConsoleSession.token_hash == hash_secret(token), ConsoleSession.ended_at.is_(None))
        ).first()
        if row is None:
            return None
        console_session, key, tenant = row
        reason = _why_dead(console_session, key, now)
        if reason:
            _end(session, console_session, reason=reason, now=now)
            return None
        if tenant.status != "active":
            raise TenantSuspended()
        if now - console_session.last_seen_at > TOUCH_RESOLUTION:
            _touch(session, console_session, now)
    return SignedIn(
        session_id=console_session.id,
        principal=Principal("secret", tenant_id=key.tenant_id, role=key.role, key_id=key.id),
        tenant_name=tenant.name, currency=tenant.currency, timezone=tenant.timezone,
    )


def end(session: Session, *, session_id: str) -> None:
    """Sign out: the session (of the current tenant) ends on the server, whatever its cookie does."""
    console_session = session.scalars(select(ConsoleSession).where(ConsoleSession.id == session_id)).one_or_none()
    if console_session is not None and console_session.ended_at is None:
        _end(session, console_session, reason="signed_out", now=clock.now())


def _why_dead(console_session: ConsoleSession, key: ApiKey, now) -> str | None:
    if key.revoked_at is not None:
        return "key_revoked"
    if now >= console_session.expires_at:
        return "expired"
    if now - console_session.last_seen_at >= IDLE_TIMEOUT:
        return "idle"
    return None


def _end(session: Session, console_session: ConsoleSession, *, reason: str, now) -> None:
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.tenant_id == console_session.tenant_id, ConsoleSession.id == console_session.id,
               ConsoleSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def _touch(session: Session, console_session: ConsoleSession, now) -> None:
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.tenant_id == console_session.tenant_id, ConsoleSession.id == console_session.id)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
