"""Hot SQL text run on the session's own psycopg connection, past SQLAlchemy's execution and result layers.

For a few statements on the checkout and payment path only (issue 14). Through `Session.execute`, a text
statement is cache-keyed twice (the tenancy hook, then the compiled cache), gets an execution context, and its
result reads the cursor's description and builds its row metadata on every execution: for a statement that
returns the order, its payment and its lines (some sixty columns), about three times the CPU of psycopg
running it and fetching its rows. Here the statement is compiled once, to the server's own SQL (`$1`, …),
prepared once per connection, and each execution goes to libpq with psycopg's adapters and nothing more (see
`_run`: a statement that opens its transaction carries the BEGIN with it).

What the session path gives is kept:
- the same connection and transaction as the session's (`Session.connection()`): the BEGIN a statement sends is
  the one psycopg would have sent (its isolation level and all), and COMMIT, rollback and after-commit work are
  the session's as before;
- the tenancy rule for SQL text (core/tenancy.py): the statement binds `:tenant_id`, to the current tenant;
- SQLAlchemy's errors: a driver error is handed to the connection's own handling, so a unique violation is
  still an `IntegrityError` and a dead connection still invalidates the pool;
- listeners of `before_cursor_execute` see the statement, with no cursor (tests count round trips with it);
- the types declared with `core.db.returning` and `bindparam(type_=…)` convert values as before.

A list binds as the text form of a PostgreSQL array (`{"a","b"}`), which the statement casts
(`CAST(:ids AS text[])`, as every array parameter here is): psycopg's own list dumper is Python that inspects
every list's elements to choose a type, and the payment's credit binds eleven lists (124 µs of CPU to convert
them, 33 µs as text).

The engine's `echo` logging does not see these statements (nothing in the app turns it on).

PostgreSQL only: callers keep their portable path for SQLite.
"""

from __future__ import annotations

import re
from collections import OrderedDict, namedtuple
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from psycopg import Connection as PsycopgConnection
from psycopg import errors as psycopg_errors
from psycopg.adapt import PyFormat, Transformer
from psycopg.generators import execute as send_and_fetch
from psycopg.pq import ExecStatus, Format, TransactionStatus
from psycopg.waiting import Wait
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
    positional: bytes  # `sql` with `$1`, `$2`, … for its `%(name)s` placeholders, as the server reads it
    order: tuple[str, ...]  # the parameters' names in the order of their positions
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
    raw = connection.connection.driver_connection
    state = _state_of(raw)
    connection.dispatch.before_cursor_execute(connection, None, form.sql, values, None, False)
    try:
        result = _run(raw, state, form, values)
    except connection.dialect.loaded_dbapi.Error as error:
        if isinstance(error, psycopg_errors.InvalidSqlStatementName):
            # Our statements were deallocated behind psycopg's back: prepare them anew from the next call.
            state.prepared.clear()
        # SQLAlchemy's own handling: the error wrapped as session.execute would raise it (IntegrityError, …),
        # and a connection found dead invalidated with the pool.
        connection._handle_dbapi_exception(error, form.sql, values, None, None)
    if form.row is None:  # plain text: its columns' names, read once
        form = _named(statement, form, tuple(result.fname(i).decode() for i in range(result.nfields)))
    state.transformer.set_pgresult(result)
    if form.results:
        return DriverRows(form.names, [form.row._make(_converted(row, form.results))
                                       for row in state.transformer.load_rows(0, result.ntuples, tuple)])
    return DriverRows(form.names, state.transformer.load_rows(0, result.ntuples, form.row._make))


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


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%|%")


def _positional(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """psycopg's `%(name)s` placeholders as the server's `$n` (a name used twice is one position), `%%` as `%`."""
    order: list[str] = []

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            if match.group(0) != "%%":
                raise ValueError(f"a lone % in driver SQL: {sql[:80]}")
            return "%"
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _PLACEHOLDER.sub(replace, sql).encode(), tuple(order)


def _form_of(statement: TextClause | TextualSelect, dialect) -> _DriverForm:
    compiled = statement.compile(dialect=dialect)
    if "tenant_id" not in compiled.binds:
        raise TenantScopeViolation("SQL text run on the driver must bind :tenant_id (core/driver.py)")
    binds = tuple((name, convert) for name, bind in compiled.binds.items()
                  if (convert := bind.type.bind_processor(dialect)) is not None)
    columns = getattr(statement, "selected_columns", ())  # declared by core.db.returning, or none
    results = tuple((position, convert) for position, column in enumerate(columns)
                    if (convert := column.type.result_processor(dialect, None)) is not None)
    positional, order = _positional(compiled.string)
    form = _DriverForm(compiled.string, positional, order, (), None, binds, results)
    return _named(statement, form, tuple(column.name for column in columns)) if columns else form


# Running a statement on libpq, past psycopg's cursor. A cursor's execute converts the query and its
# parameters, asks its prepared-statement cache, sends, fetches and checks: about 60 µs of CPU a statement on
# this machine, against some 45 for the send and wait themselves. And a transaction's first statement waits
# for a BEGIN of its own first: a round trip, some 150 µs of CPU between this process and the server. Here a
# statement seen twice on a connection is prepared there under a name of ours (once is not enough: set-up
# work runs many statements once each, and would fill the connection with plans nobody reuses), the least
# recently used of them deallocated past `_PREPARED_KEPT` (a first cut prepared on first sight up to a fixed
# cap: under gunicorn the benchmark's set-up filled it, the hot statements went unnamed, and PostgreSQL spent a
# fifth of its CPU planning them on every run); and a statement that opens its transaction travels
# with its BEGIN (and any Parse or DEALLOCATE) in one message, in libpq's pipeline mode.


class _ConnectionState:
    """What the driver keeps per psycopg connection: the statements prepared on it (least recently used
    first), how often each statement was run, and one Transformer to dump parameters and load rows (psycopg's
    own cursor makes one per cursor)."""

    __slots__ = ("prepared", "runs", "named", "transformer")

    def __init__(self, raw: PsycopgConnection):
        self.prepared: OrderedDict[tuple[bytes, tuple[int, ...]], bytes] = OrderedDict()
        self.runs: OrderedDict[tuple[bytes, tuple[int, ...]], int] = OrderedDict()
        self.named = 0  # names given on this connection: a name is never reused, even after a DEALLOCATE ALL
        self.transformer = Transformer(raw)
        # psycopg forgets its own prepared statements with a DEALLOCATE ALL (after every rollback of an open
        # transaction, and after a DROP, ALTER or DISCARD it runs), which takes ours too.
        manager = raw._prepared
        forget_all = manager.clear

        def clear() -> bool:
            deallocating = forget_all()  # true when psycopg had statements of its own, so will deallocate all
            if deallocating:
                self.prepared.clear()
            return deallocating

        manager.clear = clear


_PREPARED_KEPT = 100  # per connection, as psycopg's own cache: a plan of a large CTE holds server memory
_RUNS_KEPT = 1000  # statements whose runs are counted per connection (most recently run)
_PREPARE_ON_RUN = 2
_FORMATS: dict[int, list] = {}


def _state_of(raw: PsycopgConnection) -> _ConnectionState:
    # Kept on the connection itself, so it goes with it (the Transformer refers to the connection: a weak-keyed
    # table would keep every connection alive through its value).
    state = getattr(raw, "_fission_driver", None)
    if state is None:
        state = raw._fission_driver = _ConnectionState(raw)
    return state


def _run(raw: PsycopgConnection, state: _ConnectionState, form: _DriverForm, values: dict):
    """The statement's result (a libpq PGresult), or the driver's error raised."""
    transformer = state.transformer
    formats = _FORMATS.get(len(form.order))
    if formats is None:
        formats = _FORMATS[len(form.order)] = [PyFormat.AUTO] * len(form.order)
    parameters = transformer.dump_sequence([values[name] for name in form.order], formats)
    types, parameter_formats = transformer.types, transformer.formats
    key = (form.positional, types)
    pgconn = raw.pgconn
    with raw.lock:
        if pgconn.pipeline_status:
            raise psycopg_errors.ProgrammingError("the driver does not run inside a psycopg pipeline")
        begin = raw._get_tx_start_command() if (
            not raw.autocommit and pgconn.transaction_status == TransactionStatus.IDLE) else None
        name = state.prepared.get(key)
        if name is not None:
            state.prepared.move_to_end(key)
            if begin is None:
                pgconn.send_query_prepared(name, parameters, parameter_formats, Format.TEXT)
                return _only(raw.wait(send_and_fetch(pgconn)), raw)
        prepare = name is None and _count_run(state, key) >= _PREPARE_ON_RUN
        evicted = None
        if prepare:
            if len(state.prepared) >= _PREPARED_KEPT:
                evicted = state.prepared.popitem(last=False)[1]
            state.named += 1
            name = b"fission_%d" % state.named
        elif name is None and begin is None:
            pgconn.send_query_params(form.positional, parameters, param_types=types,
                                     param_formats=parameter_formats, result_format=Format.TEXT)
            return _only(raw.wait(send_and_fetch(pgconn)), raw)
        sent: list[str] = []  # what was sent before the statement, in order: each gives a result first
        pgconn.enter_pipeline_mode()
        try:
            if begin is not None:
                pgconn.send_query_params(begin, None)
                sent.append("begin")
            if evicted is not None:
                pgconn.send_query_params(b"DEALLOCATE " + evicted, None)
                sent.append("deallocate")
            if prepare:
                pgconn.send_prepare(name, form.positional, param_types=types)
                sent.append("prepare")
            if name is not None:
                pgconn.send_query_prepared(name, parameters, parameter_formats, Format.TEXT)
            else:  # seen once so far: unnamed, parsed and planned this once
                pgconn.send_query_params(form.positional, parameters, param_types=types,
                                         param_formats=parameter_formats, result_format=Format.TEXT)
            pgconn.pipeline_sync()
            results = raw.wait(_through_sync(pgconn))
        finally:
            if not _left_pipeline_mode(pgconn):
                raw.close()  # results were left behind (the wait failed): no one can use it again; the pool
                # sees it closed and replaces it
        for what, result in zip(sent, results, strict=False):  # the first failure aborted the rest
            if result.status == ExecStatus.FATAL_ERROR:
                raise psycopg_errors.error_from_result(result, encoding=raw.info.encoding)
            if what == "prepare":
                state.prepared[key] = name
        return _only(results[len(sent):len(sent) + 1], raw)


def _count_run(state: _ConnectionState, key) -> int:
    runs = state.runs.get(key, 0) + 1
    state.runs[key] = runs
    state.runs.move_to_end(key)
    if len(state.runs) > _RUNS_KEPT:
        state.runs.popitem(last=False)
    return runs


def _left_pipeline_mode(pgconn) -> bool:
    try:
        pgconn.exit_pipeline_mode()
    except psycopg_errors.OperationalError:
        return False
    return True


def _only(results: list, raw: PsycopgConnection):
    (result,) = results
    if result.status == ExecStatus.FATAL_ERROR:
        raise psycopg_errors.error_from_result(result, encoding=raw.info.encoding)
    if result.status not in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
        raise psycopg_errors.InternalError(f"unexpected result status {result.status!r} from the driver")
    return result


def _through_sync(pgconn):
    """A generator for psycopg's `wait`: flush what was sent in pipeline mode, then gather every result up to
    and including the pipeline's sync."""
    while pgconn.flush():
        ready = yield Wait.RW
        if ready & Wait.R:
            pgconn.consume_input()
    results = []
    while True:
        while pgconn.is_busy():
            yield Wait.R
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            continue
        results.append(result)
        if result.status == ExecStatus.PIPELINE_SYNC:
            return results
