"""Tenant context and the ONE place tenant scoping is enforced.

The tenant is set once per request, job or command (`tenant_scope`). One `do_orm_execute` hook sees
every statement a Session executes:
- ORM SELECTs, UPDATEs and DELETEs on tenant-owned models get `tenant_id = :current` as loader criteria;
- Core ones on tenant tables (`select(T.c.id)`, `update(T)`, a Core subquery inside an ORM statement)
  get the same condition added to every SELECT, UPDATE and DELETE that reads such a table, at any depth;
- an INSERT into a tenant table must name the current tenant (in VALUES, its parameters, or as the
  tenant_id column of a scoped SELECT); an UPDATE may not change tenant_id; a bound `tenant_id`
  parameter must be the current tenant;
- `text()` naming a tenant table must bind `:tenant_id` to the current tenant (the hook cannot read
  SQL text, so the set-based job that writes it names the tenant itself), or it is refused.
A `before_flush` hook stamps new ORM rows. Touching a tenant table with no tenant set raises.
Reading across tenants (a scheduler fanning out, authentication by key) says so with `all_tenants()`.
Raw connections (`session.connection()`, `exec_driver_sql`) skip the hook: domain code never uses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import Column, Delete, ForeignKey, Insert, Select, Update, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import operators
from sqlalchemy.sql.annotation import Annotated
from sqlalchemy.sql.base import _from_objects
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnClause,
    Label,
    TextClause,
)
from sqlalchemy.sql.selectable import Alias, FromClause, Join
from sqlalchemy.sql.visitors import iterate

from core.db import Base, PublicId
from core.errors import TenantScopeMissing, TenantScopeViolation

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


def reading_all_tenants() -> bool:
    """Inside `all_tenants()`: statements are not scoped to one tenant."""
    return _all_tenants.get()


@contextmanager
def all_tenants() -> Iterator[None]:
    """Explicitly read across tenants (platform reports, scheduler fan-out, credential lookup)."""
    token = _all_tenants.set(True)
    try:
        yield
    finally:
        _all_tenants.reset(token)


_tenant_tables_cache: tuple[int, frozenset, re.Pattern | None] = (-1, frozenset(), None)


def _tenant_tables() -> tuple[frozenset, re.Pattern | None]:
    """The tenant-owned tables, and a pattern that finds their names in SQL text."""
    global _tenant_tables_cache
    # Called for every FROM item of every statement: `registry.mappers` builds a new frozenset each time,
    # so the cheap count of its class managers says whether models were added since (they are imported
    # as the app is built).
    count = len(Base.registry._managers)
    if _tenant_tables_cache[0] != count:
        tables = frozenset(m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantScoped))
        names = "|".join(sorted(re.escape(table.name) for table in tables))
        pattern = re.compile(rf"\b({names})\b", re.IGNORECASE) if names else None
        _tenant_tables_cache = (count, tables, pattern)
    return _tenant_tables_cache[1], _tenant_tables_cache[2]


def tenant_table_names() -> frozenset[str]:
    """The names of every tenant-owned table."""
    return frozenset(table.name for table in _tenant_tables()[0])


def _tenant_table(from_clause):
    """The tenant table behind a FROM item (itself, or what an alias renames), else None."""
    tables, _ = _tenant_tables()
    if from_clause in tables:
        return from_clause
    if isinstance(from_clause, Alias) and from_clause.element in tables:
        return from_clause.element
    return None


@dataclass
class _Reach:
    """What a statement touches: tenant entities (ORM), plain tenant tables (Core), SQL text naming them."""

    entities: bool = False
    core: set = field(default_factory=set)  # tenant tables (and aliases) referenced as Core
    of_entities: set = field(default_factory=set)  # tenant tables the ORM reads for an entity
    text: bool = False

    def __bool__(self) -> bool:
        return self.entities or bool(self.core) or self.text


def _reach(state) -> _Reach:
    reach = _Reach(entities=any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers))
    if state.is_relationship_load or state.is_column_load:
        return reach  # the ORM built it from mappers: entities only, and the criteria propagate to it
    _, pattern = _tenant_tables()
    # Walk the whole statement: a Core table can hide in a subquery of an ORM statement, and an
    # entity-less statement (`select(func.count()).select_from(M)`) names no mapper yet reads M's table.
    # The ORM's columns and tables carry annotations; plain ones are Core. A plain table met only as
    # the table of an entity's column (`select(M.id)`) is the ORM's.
    of_entities, plain_tables = reach.of_entities, set()
    for element in iterate(state.statement):
        if isinstance(element, TextClause):
            reach.text = reach.text or bool(pattern and pattern.search(element.text))
        elif isinstance(element, Column) and _tenant_table(element.table) is not None:
            (of_entities if isinstance(element, Annotated) else reach.core).add(element.table)
        elif isinstance(element, FromClause) and _tenant_table(element) is not None:
            (of_entities if isinstance(element, Annotated) else plain_tables).add(element)
    reach.entities = reach.entities or bool(of_entities)
    reach.core |= plain_tables - of_entities
    return reach


# Core statements: the hook does not rewrite them; each SELECT, UPDATE and DELETE in the statement
# (subqueries included) must pin every tenant table it reads as Core to the current tenant in its own
# WHERE: `T.tenant_id = :current`, or equal to the tenant_id of a table or subquery pinned so. In an
# ORM statement, the tables of its entities are the loader criteria's.

def _refuse_unpinned_core(statement, tenant_id: str, reach: _Reach) -> None:
    for node in iterate(statement):
        if isinstance(node, Select):
            froms = node.get_final_froms()
        elif isinstance(node, (Update, Delete)):
            froms = [node.table, *(item for clause in node._where_criteria for item in _from_objects(clause))]
        elif isinstance(node, Insert) and node is not statement:
            # An INSERT inside another statement (a data-modifying CTE: core.db.insert_together) names the
            # current tenant in its own VALUES, as a top-level one must (its SELECT, if any, is checked here).
            if _tenant_table(node.table) is not None:
                named = _inserted_tenant_ids(node)
                if not named or any(value is not _CURRENT and value != tenant_id for value in named):
                    raise TenantScopeViolation(
                        f"an INSERT inside a statement must name the current tenant: {_sql(statement)}")
            continue
        else:
            continue
        if node._propagate_attrs:  # ORM-enabled: loader criteria cover its entities (and its eager joins)
            reads = {item for item in _flatten_joins(froms) if item in reach.core and item not in reach.of_entities}
        else:
            reads = {item for item in _flatten_joins(froms) if _tenant_table(item) is not None}
        unpinned = reads - _pinned(node._where_criteria, tenant_id)
        if unpinned:
            names = ", ".join(sorted(getattr(item, "name", "?") for item in unpinned))
            raise TenantScopeViolation(
                f"a Core statement reads tenant table(s) {names} without `tenant_id = <current tenant>` "
                f"in its WHERE (use the ORM, or name tenant_id as set-based jobs do): {_sql(statement)}")


def _flatten_joins(froms) -> list:
    flat = []
    for item in froms:
        flat.extend(_flatten_joins([item.left, item.right]) if isinstance(item, Join) else [item])
    return flat


def _pinned(criteria, tenant_id: str) -> set:
    """The FROM items whose tenant_id these AND-ed conditions pin to `tenant_id`."""
    equalities, pinned = [], set()
    for condition in _conjuncts(criteria):
        if not (isinstance(condition, BinaryExpression) and condition.operator is operators.eq):
            continue
        for left, right in ((condition.left, condition.right), (condition.right, condition.left)):
            if not _is_tenant_id_of_table(left):
                continue
            if isinstance(right, BindParameter) and right.effective_value == tenant_id:
                pinned.add(left.table)
            elif _is_tenant_id_of_table(right):
                equalities.append((left.table, right.table))
            elif _is_tenant_id_of_subquery(right):
                pinned.add(left.table)  # that subquery's own SELECT is checked (or scoped) in its turn
    grew = True
    while grew:  # T.tenant_id = U.tenant_id pins T once U is pinned
        before = len(pinned)
        pinned |= {table for table, other in equalities if other in pinned}
        grew = len(pinned) > before
    return pinned


def _conjuncts(criteria) -> list:
    flat = []
    for condition in criteria:
        if isinstance(condition, BooleanClauseList) and condition.operator is operators.and_:
            flat.extend(_conjuncts(condition.clauses))
        else:
            flat.append(condition)
    return flat


def _is_tenant_id_of_table(expression) -> bool:
    return isinstance(expression, Column) and expression.name == "tenant_id" and \
        _tenant_table(expression.table) is not None


def _is_tenant_id_of_subquery(expression) -> bool:
    if not (isinstance(expression, ColumnClause) and expression.name == "tenant_id"):
        return False
    source = getattr(expression.table, "element", None)
    if not isinstance(source, Select):
        return False
    selected = source.selected_columns.get("tenant_id")
    return selected is not None and (_is_tenant_id_of_table(selected) or _is_tenant_id_of_subquery(selected))


# INSERTs, UPDATEs that set tenant_id, bound parameters and text().

_MISSING, _CURRENT, _UNKNOWN = object(), object(), object()


def _inserted_tenant_ids(statement) -> list:
    """The tenant ids an INSERT names in its own VALUES or SELECT (`_UNKNOWN` for an SQL expression)."""
    named = []
    if statement._values:
        named.append(_value_of(_tenant_id_of(statement._values)))
    for rows in getattr(statement, "_multi_values", None) or ():
        position = list(statement.table.c.keys()).index("tenant_id")
        named.extend(_value_of(row.get("tenant_id", _MISSING) if isinstance(row, dict) else row[position])
                     for row in rows)
    names = getattr(statement, "_select_names", None)
    if names and "tenant_id" in names:
        column = statement.select.selected_columns[names.index("tenant_id")]
        if isinstance(column, Label):  # `SELECT :tenant AS tenant_id`: the value under its name
            column = column.element
        # A tenant table's own tenant_id: its SELECT is checked like any other, so it is the current tenant.
        named.append(_CURRENT if _is_tenant_id_of_table(column) else _value_of(column))
    return [value for value in named if value is not _MISSING]


def _tenant_id_of(values):
    for key, value in values.items():
        if (key if isinstance(key, str) else getattr(key, "key", None)) == "tenant_id":
            return value
    return _MISSING


def _value_of(value):
    if isinstance(value, BindParameter):
        value = value.effective_value
    return value if value is _MISSING or value is None or isinstance(value, str) else _UNKNOWN


def _parameter_rows(state) -> list[dict]:
    parameters = state.parameters
    if not parameters:
        return []
    return [parameters] if isinstance(parameters, dict) else list(parameters)


def _refuse_other_tenants(state, tenant_id: str, reach: _Reach) -> None:
    """Bound tenant ids must be the current one; text must bind one; INSERTs must name it; UPDATEs keep it."""
    statement = state.statement
    rows = _parameter_rows(state)
    bound = [row["tenant_id"] for row in rows if "tenant_id" in row]
    if any(value != tenant_id for value in bound):
        raise TenantScopeViolation(f"a statement binds another tenant's id: {_sql(statement)}")
    if reach.text and (not rows or len(bound) != len(rows)):
        raise TenantScopeViolation("SQL text on a tenant table must bind :tenant_id to the current tenant "
                                   f"(raw SQL belongs in set-based jobs that name tenant_id): {_sql(statement)}")
    if _inserts_into_tenant_table(state):
        named = _inserted_tenant_ids(statement)
        if not named and not bound:
            raise TenantScopeViolation(f"an INSERT into a tenant table must name tenant_id: {_sql(statement)}")
        if any(value is not _CURRENT and value != tenant_id for value in named):
            raise TenantScopeViolation(f"an INSERT names another tenant (or an id it cannot check): {_sql(statement)}")
    if state.is_update and statement._values and _tenant_id_of(statement._values) is not _MISSING:
        raise TenantScopeViolation(f"an UPDATE may not change tenant_id: {_sql(statement)}")


def _inserts_into_tenant_table(state) -> bool:
    return state.is_insert and _tenant_table(state.statement.table) is not None


def _sql(statement) -> str:
    try:
        return str(statement)
    except Exception:  # some ORM statements (bulk INSERTs) render only inside a flush
        return f"{type(statement).__name__} on {getattr(statement, 'table', '?')}"


# What the hook learns from a statement is kept per shape, so a statement the process has run before is not
# walked again. The shape is SQLAlchemy's cache key (the statement without its bound values) together with
# which of its bound values are the current tenant: what a statement reaches depends on the first alone, and
# whether its Core tables are pinned on both, so a verdict holds for every tenant alike. Only statements
# that passed are kept (a refusal is worked out anew); the INSERT and bound-parameter checks, which read
# values, run every time.
_REMEMBERED = 4096
_passed: dict = {}


def _shape(state, tenant_id: str | None):
    if state.is_relationship_load or state.is_column_load:
        return None  # built by the ORM from mappers: `_reach` does not walk these
    key = state.statement._generate_cache_key()
    if key is None:
        return None
    return key.key, tuple(i for i, bind in enumerate(key.bindparams) if bind.effective_value == tenant_id)


def _remember(shape, reach: _Reach) -> None:
    if shape is None:
        return
    if len(_passed) >= _REMEMBERED:
        _passed.clear()
    # Only what the hook asks of a remembered statement: the tables themselves belong to the first one.
    _passed[shape] = _Reach(entities=reach.entities, core={True} if reach.core else set(), text=reach.text)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement_to_tenant(state) -> None:
    if _all_tenants.get():
        return
    tenant_id = _current_tenant.get()
    shape = _shape(state, tenant_id)
    reach = _passed.get(shape) if shape is not None else None
    known = reach is not None
    if not known:
        reach = _reach(state)
    inserting = _inserts_into_tenant_table(state)  # checked for the tenant it names; its SELECT as any SELECT
    if not (reach or inserting):
        _remember(shape, reach)
        return
    if tenant_id is None:
        raise TenantScopeMissing(f"tenant-owned table touched with no tenant set: {_sql(state.statement)}")
    _refuse_other_tenants(state, tenant_id, reach)
    if reach.core and not known:
        _refuse_unpinned_core(state.statement, tenant_id, reach)
    if not known:
        _remember(shape, reach)
    if reach.entities and not inserting:
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
