"""Hot SQL text run on the session's own psycopg connection, past SQLAlchemy's execution and result layers.

For a few statements on the checkout and payment path only (issue 14). Through `Session.execute`, a text
statement is cache-keyed twice (the tenancy hook, then the compiled cache), gets an execution context, and its
result reads the cursor's description and builds its row metadata on every execution: for a statement that
returns the order, its payment and its lines (some sixty columns), about three times the CPU of psycopg
running it and fetching its rows. Here the statement is compiled once, to the driver's own SQL, and each
execution is psycopg's alone.

What the session path gives is kept:
- the same connection and transaction as the session's (`Session.connection()`), so BEGIN, COMMIT, rollback
  and after-commit work are unchanged;
- the tenancy rule for SQL text (core/tenancy.py): the statement binds `:tenant_id`, to the current tenant;
- SQLAlchemy's errors: a driver error is handed to the connection's own handling, so a unique violation is
  still an `IntegrityError` and a dead connection still invalidates the pool;
- listeners of `before_cursor_execute` see the statement (tests count round trips with it);
- the types declared with `core.db.returning` and `bindparam(type_=…)` convert values as before.

A list binds as the text form of a PostgreSQL array (`{"a","b"}`), which the statement casts
(`CAST(:ids AS text[])`, as every array parameter here is): psycopg's own list dumper is Python that inspects
every list's elements to choose a type, and the payment's credit binds eleven lists (124 µs of CPU to convert
them, 33 µs as text).

The engine's `echo` logging does not see these statements (nothing in the app turns it on).

PostgreSQL only: callers keep their portable path for SQLite.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from core import tenancy
from core.errors import TenantScopeViolation


class DriverRows(NamedTuple):
    """A statement's rows: named tuples (`row.ok`, `row[0]`), in the order of `names`."""

    names: tuple[str, ...]
    rows: list[tuple]

    def one(self) -> tuple:
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0]

    def mappings(self) -> list[dict]:
        return [dict(zip(self.names, row, strict=True)) for row in self.rows]


class _DriverForm(NamedTuple):
    sql: str
    names: tuple[str, ...]  # declared with core.db.returning, or read from the first execution's cursor
    row: type | None  # the named tuple of `names`, once known
    binds: tuple[tuple[str, Callable], ...]  # parameters whose declared type converts them
    results: tuple[tuple[int, Callable], ...]  # result columns whose declared type converts them


_FORMS_KEPT = 256
_forms: dict[TextClause | TextualSelect, _DriverForm] = {}


def execute_on_driver(session: Session, statement: TextClause | TextualSelect, parameters: dict) -> DriverRows:
    """Run `statement` (SQL text returning rows: a SELECT, or a write with RETURNING) in the session's
    transaction, on psycopg directly; its rows as named tuples."""
    connection = session.connection()
    form = _forms.get(statement)
    if form is None:
        if len(_forms) >= _FORMS_KEPT:
            _forms.clear()
        form = _forms[statement] = _form_of(statement, connection.dialect)
    _refuse_other_tenants(parameters)
    values = dict(parameters)
    for name, convert in form.binds:
        if name in values:
            values[name] = convert(values[name])
    for name, value in values.items():
        if type(value) is list:
            values[name] = array_literal(value)
    cursor = connection.connection.driver_connection.cursor()
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, form.sql, values, None, False)
        cursor.execute(form.sql, values)
        rows = cursor.fetchall()
        if form.row is None:  # plain text: its columns' names, read once (the description costs per read)
            form = _named(statement, form, tuple(column.name for column in cursor.description))
    except connection.dialect.loaded_dbapi.Error as error:
        # SQLAlchemy's own handling: the error wrapped as session.execute would raise it (IntegrityError, …),
        # and a connection found dead invalidated with the pool.
        connection._handle_dbapi_exception(error, form.sql, values, cursor, None)
    finally:
        cursor.close()
    make = form.row._make
    if form.results:
        return DriverRows(form.names, [make(_converted(row, form.results)) for row in rows])
    return DriverRows(form.names, [make(row) for row in rows])


def array_literal(values: list) -> str:
    """`values` (str, int, aware datetime or None each) in PostgreSQL's text form of an array."""
    return "{" + ",".join(_ELEMENTS.get(type(value), _element)(value) for value in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # before int, which it is: PostgreSQL would read 1 and 0 as integers
        return "true" if value else "false"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, datetime):
        return _quoted(aware_isoformat(value))
    raise TypeError(f"cannot bind {type(value).__name__} in an array")


def aware_isoformat(value: datetime) -> str:
    """An instant as text for PostgreSQL to read; a naive datetime is refused (timestamps are UTC-aware)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: timestamps are UTC-aware")
    return value.isoformat()


_ELEMENTS: dict[type, Callable] = {str: _quoted, int: str}


def _converted(row: tuple, results: tuple[tuple[int, Callable], ...]) -> list:
    values = list(row)
    for position, convert in results:
        values[position] = convert(values[position])
    return values


def _named(statement, form: _DriverForm, names: tuple[str, ...]) -> _DriverForm:
    form = _forms[statement] = form._replace(names=names, row=namedtuple("DriverRow", names, rename=True))
    return form


def _refuse_other_tenants(parameters: dict) -> None:
    if tenancy.reading_all_tenants():
        return
    tenant_id = tenancy.require_tenant_id()
    if parameters.get("tenant_id") != tenant_id:
        raise TenantScopeViolation("SQL text run on the driver must bind :tenant_id to the current tenant")


def _form_of(statement: TextClause | TextualSelect, dialect) -> _DriverForm:
    compiled = statement.compile(dialect=dialect)
    if "tenant_id" not in compiled.binds:
        raise TenantScopeViolation("SQL text run on the driver must bind :tenant_id (core/driver.py)")
    binds = tuple((name, convert) for name, bind in compiled.binds.items()
                  if (convert := bind.type.bind_processor(dialect)) is not None)
    columns = getattr(statement, "selected_columns", ())  # declared by core.db.returning, or none
    results = tuple((position, convert) for position, column in enumerate(columns)
                    if (convert := column.type.result_processor(dialect, None)) is not None)
    form = _DriverForm(compiled.string, (), None, binds, results)
    return _named(statement, form, tuple(column.name for column in columns)) if columns else form
