"""Who is calling: the platform operator, a tenant secret key (with a role), a tenant's
publishable key, or a consumer session. Resolved once per request; decorators say who may call.

Every credential of a tenant sets that tenant as the request's scope (core.tenancy).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update

from core import clock
from core.api import document
from core.db import unit_of_work, utcnow
from core.errors import DomainError, Forbidden, Unauthenticated
from core.tenancy import all_tenants, reset_request_tenant, set_request_tenant
from tenants.keys.models import ApiKey
from tenants.platform.cache import tenant_cache
from tenants.platform.models import Tenant

ROLES = ("admin", "finance", "staff")
SESSION_TOKEN_PREFIX = "cs_"
SESSION_TTL = timedelta(days=30)
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TenantSuspended(DomainError):
    status, reason = 403, "tenant_suspended"
    message = "This tenant is suspended"


@dataclass(frozen=True)
class Principal:
    kind: str  # "platform" | "secret" | "publishable" | "customer"
    tenant_id: str | None = None
    role: str | None = None
    key_id: str | None = None
    customer_id: str | None = None

    @property
    def id(self) -> str:
        return self.key_id or self.customer_id or self.kind


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="fission-consumer-session")


def issue_session_token(*, tenant_id: str, customer_id: str) -> tuple[str, object]:
    """A signed consumer token bound to tenant and customer, and when it expires."""
    token = SESSION_TOKEN_PREFIX + _serializer().dumps({"t": tenant_id, "c": customer_id})
    return token, clock.now() + SESSION_TTL


def _principal_for(credential: str) -> Principal:
    platform_token = current_app.config.get("FISSION_PLATFORM_TOKEN")
    if platform_token and hmac.compare_digest(credential.encode(), platform_token.encode()):
        return Principal("platform")
    if credential.startswith("sk_"):
        return _secret_key_principal(credential)
    if credential.startswith("pk_"):
        # Consumer and publishable-key requests are the hot path: the tenant's status comes from this
        # process's cache (tenants/platform/cache.py). Secret keys are always checked against the database,
        # so a revoked key stops working at once everywhere.
        facts = tenant_cache.by_publishable_key(credential)
        if facts is None:
            raise Unauthenticated("Unknown publishable key")
        _refuse_unless_active(facts.status)
        return Principal("publishable", tenant_id=facts.id)
    if credential.startswith(SESSION_TOKEN_PREFIX):
        return _session_principal(credential[len(SESSION_TOKEN_PREFIX):])
    raise Unauthenticated("Unrecognised credential")


def _secret_key_principal(credential: str) -> Principal:
    now = clock.now()
    with unit_of_work() as session, all_tenants():
        # The tenant is not known until the key is found: this lookup is deliberately cross-tenant.
        key = session.scalars(
            select(ApiKey).where(ApiKey.key_hash == hash_secret(credential), ApiKey.revoked_at.is_(None))
        ).first()
        if key is None:
            raise Unauthenticated("Unknown or revoked API key")
        _refuse_unless_active(session.get(Tenant, key.tenant_id).status)
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            # Recorded at most once a minute per key, so reads do not become writes.
            session.execute(
                update(ApiKey)
                .where(ApiKey.tenant_id == key.tenant_id, ApiKey.id == key.id)
                .values(last_used_at=now)
            )
        return Principal("secret", tenant_id=key.tenant_id, role=key.role, key_id=key.id)


def secret_key_principal(credential: str) -> Principal:
    """The principal of a tenant secret key (the console signs in with one): 401 for anything that is not
    a live secret key, 403 tenant_suspended for a suspended tenant's."""
    if not credential.startswith("sk_"):
        raise Unauthenticated("Not a tenant secret key")
    return _secret_key_principal(credential)


def _session_principal(token: str) -> Principal:
    tenant_id, customer_id, signed_at = _verified_session(token)
    # The real time, not the app's clock, as the signature's timestamp is (tests travel months with one login).
    if utcnow() - signed_at > SESSION_TTL:
        raise Unauthenticated("Session expired")
    facts = tenant_cache.get(tenant_id)
    if facts is None:
        raise Unauthenticated("Invalid session token")
    _refuse_unless_active(facts.status)
    return Principal("customer", tenant_id=tenant_id, customer_id=customer_id)


# Tokens whose signature this process has checked, with what they carry. A consumer sends the same token with
# every request, and checking its signature (a key derivation and an HMAC, a new serializer each time) took about
# 59 µs of CPU per request, against 3 µs for this look-up (issue 14). Keyed by the signing key too: the same
# token under another key is checked anew. Expiry is still checked on every request, against the signed time;
# the tenant's status too.
_VERIFIED_SESSIONS = 10_000
_verified: dict[tuple[str, str], tuple[str, str, datetime]] = {}


def _verified_session(token: str) -> tuple[str, str, datetime]:
    """The tenant, customer and signing time of a token whose signature is good; 401 otherwise."""
    key = (current_app.config["SECRET_KEY"], token)
    known = _verified.get(key)
    if known is None:
        try:
            data, signed_at = _serializer().loads(token, return_timestamp=True)
        except BadSignature as error:
            raise Unauthenticated("Invalid session token") from error
        if len(_verified) >= _VERIFIED_SESSIONS:
            _verified.clear()
        known = _verified[key] = (data["t"], data["c"], signed_at)
    return known


def _refuse_unless_active(status: str) -> None:
    if status != "active":
        raise TenantSuspended()


def init_auth(app: Flask) -> None:
    """Resolve the credential of every request and set its tenant scope."""

    @app.before_request
    def _authenticate():
        g.principal = None
        g.principal_error = None
        header = request.headers.get("Authorization", "")
        if not header:
            return
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            g.principal_error = Unauthenticated("Authorization must be 'Bearer <credential>'")
            return
        try:
            principal = _principal_for(credential.strip())
        except TenantSuspended:
            raise
        except Unauthenticated as error:
            g.principal_error = error  # reported only by endpoints that need a credential
            return
        g.principal = principal
        g.principal_id = principal.id
        g.tenant_token = set_request_tenant(principal.tenant_id)

    @app.teardown_request
    def _leave_tenant(_exc):
        token = g.pop("tenant_token", None)
        if token is not None:
            reset_request_tenant(token)


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise g.get("principal_error") or Unauthenticated("Authentication required")
    return principal


def current_customer_id() -> str:
    return current_principal().customer_id


def _guard(allowed_kinds: tuple[str, ...], roles: tuple[str, ...] = ()):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal.kind not in allowed_kinds:
                raise Forbidden("This credential may not call this endpoint")
            if principal.kind == "secret" and roles and principal.role != "admin" and principal.role not in roles:
                raise Forbidden(f"The {principal.role} role may not do this")
            return view(*args, **kwargs)

        return document(security=[{"bearerAuth": []}])(wrapper)

    return decorator


def platform_only(view):
    """Only the platform operator's token."""
    return _guard(("platform",))(view)


def secret_key(*roles: str):
    """A tenant secret key whose role is one of `roles` (admin may always)."""
    return _guard(("secret",), roles or ("admin",))


def storefront(view):
    """A publishable key or a consumer session (anonymous catalog reads, login)."""
    return _guard(("publishable", "customer"))(view)


def publishable_key(view):
    """Only a publishable key (logging in)."""
    return _guard(("publishable",))(view)


def consumer(view):
    """Only a consumer session."""
    return _guard(("customer",))(view)
