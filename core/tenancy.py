"""Tenant context and the ONE place tenant scoping is enforced.

The tenant is set once per request, job or command (`tenant_scope`). A `do_orm_execute` hook adds
`tenant_id = :current` to every ORM SELECT, UPDATE and DELETE that touches a tenant-owned model, and
a `before_flush` hook stamps new rows. Touching a tenant table with no tenant set raises.
Reading across tenants (a scheduler fanning out, authentication by key) says so with `all_tenants()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, Table, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.visitors import iterate

from core.db import Base, PublicId
from core.errors import TenantScopeMissing

_current_tenant: ContextVar[str | None] = ContextVar("fission_tenant", default=None)
_all_tenants: ContextVar[bool] = ContextVar("fission_all_tenants", default=False)


class TenantScoped:
    """Mixin for every tenant-owned model: `tenant_id` leads the primary key and every unique key."""

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            PublicId, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-10
        )


def current_tenant_id() -> str | None:
    return _current_tenant.get()


def require_tenant_id() -> str:
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantScopeMissing("no tenant is set for this request, job or command")
    return tenant_id


@contextmanager
def tenant_scope(tenant_id: str) -> Iterator[None]:
    """Run the block as `tenant_id`: every ORM statement on tenant tables is scoped to it."""
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


def set_request_tenant(tenant_id: str | None):
    """Set the tenant for the rest of a request; returns the token for `reset_request_tenant`."""
    return _current_tenant.set(tenant_id)


def reset_request_tenant(token) -> None:
    _current_tenant.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Explicitly read across tenants (platform reports, scheduler fan-out, credential lookup)."""
    token = _all_tenants.set(True)
    try:
        yield
    finally:
        _all_tenants.reset(token)


_tenant_tables_cache: tuple[int, frozenset] = (-1, frozenset())


def _tenant_tables() -> frozenset:
    global _tenant_tables_cache
    mappers = Base.registry.mappers
    if _tenant_tables_cache[0] != len(mappers):  # models are imported as the app is built
        tables = frozenset(m.local_table for m in mappers if issubclass(m.class_, TenantScoped))
        _tenant_tables_cache = (len(mappers), tables)
    return _tenant_tables_cache[1]


def _touches_tenant_table(state) -> bool:
    if any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers):
        return True
    if state.is_insert:
        # A Core INSERT into a tenant table must name tenant_id itself (NOT NULL): nothing to scope.
        return False
    # all_mappers names only the entities a statement selects; `select(func.count()).select_from(M)`,
    # subqueries and EXISTS name none, yet read M's table. Look at every table in the statement.
    tenant_tables = _tenant_tables()
    return any(isinstance(element, Table) and element in tenant_tables for element in iterate(state.statement))


@event.listens_for(Session, "do_orm_execute")
def _scope_statement_to_tenant(state) -> None:
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if _all_tenants.get() or not _touches_tenant_table(state):
        return
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantScopeMissing(f"tenant-owned table touched with no tenant set: {state.statement}")
    if state.is_insert:
        return  # inserts are stamped (ORM) or name tenant_id explicitly (set-based jobs)
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "transient_to_pending")
def _stamp_on_add(_session: Session, obj) -> None:
    # Stamp when the object joins the session (the tenant scope is surely active then), not only
    # at flush, which may happen after the block that set the scope has ended.
    if not isinstance(obj, TenantScoped):
        return
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        return  # before_flush refuses it if no tenant is known by then either
    if obj.tenant_id is None:
        obj.tenant_id = tenant_id
    elif obj.tenant_id != tenant_id and not _all_tenants.get():
        raise TenantScopeMissing(f"{type(obj).__name__} stamped for another tenant")


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context, _instances) -> None:
    tenant_id = _current_tenant.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeMissing(f"new {type(obj).__name__} with no tenant set")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id and not _all_tenants.get():
            raise TenantScopeMissing(f"{type(obj).__name__} stamped for another tenant")
