"""Creating, suspending and resuming tenants (the platform operator's work)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, jobs
from core.errors import DomainError, NotFound
from core.ids import new_id, random_token
from core.tenancy import tenant_scope
from tenants.keys import service as keys
from tenants.platform.models import Tenant


class SlugTaken(DomainError):
    status, reason = 409, "slug_taken"
    message = "A tenant with this slug already exists"


def create_tenant(session: Session, *, name: str, slug: str, currency: str = "CNY",
                  timezone: str = "Asia/Shanghai") -> dict:
    """Create a tenant with a publishable key and a first admin key (shown only now)."""
    tenant = Tenant(
        id=new_id("ten"), slug=slug, name=name, currency=currency.upper(), timezone=timezone,
        status="active", publishable_key="pk_" + random_token(18), settings={}, created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(tenant)
            session.flush()
    except IntegrityError as error:
        raise SlugTaken() from error
    with tenant_scope(tenant.id):
        admin_key, secret = keys.create_key(session, role="admin", name="Initial admin key")
    return {**_public(tenant), "admin_key": secret}


def _public(tenant: Tenant) -> dict:
    return {c: getattr(tenant, c) for c in
            ("id", "slug", "name", "currency", "timezone", "status", "publishable_key", "created_at")}


def get_tenant(session: Session, *, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant")
    return tenant


def suspend(session: Session, *, tenant_id: str) -> Tenant:
    """Suspend a tenant: its keys and sessions are refused and its jobs are skipped."""
    tenant = get_tenant(session, tenant_id=tenant_id)
    if tenant.status != "suspended":
        tenant.status = "suspended"
        tenant.suspended_at = clock.now()
    return tenant


def resume(session: Session, *, tenant_id: str) -> Tenant:
    """Resume a tenant; jobs skipped while it was suspended become due again."""
    tenant = get_tenant(session, tenant_id=tenant_id)
    if tenant.status != "active":
        tenant.status = "active"
        tenant.suspended_at = None
        jobs.rearm_skipped(session, tenant_id=tenant.id)
    return tenant


def is_active(session: Session, tenant_id: str) -> bool:
    tenant = session.get(Tenant, tenant_id)
    return tenant is not None and tenant.status == "active"


def active_tenant_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)))
