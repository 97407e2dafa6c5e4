"""Hot SQL text run on the session's own psycopg connection, past SQLAlchemy's execution and result layers.

For a few statements on the checkout and payment path only (issue 14). Through `Session.execute`, a text
statement is cache-keyed twice (the tenancy hook, then the compiled cache), gets an execution context, and its
result reads the cursor's description and builds its row metadata on every execution: for a statement that
returns the order, its payment and its lines (some sixty columns), about three times the CPU of psycopg
running it and fetching its rows. Here the statement is compiled once, to the server's own SQL (`$1`, …),
prepared once per connection, and each execution goes to libpq with psycopg's adapters and nothing more (see
`_run`: a statement that opens its transaction carries the BEGIN with it). A write whose rows nobody reads can
be deferred (`defer_on_driver`): it travels with the transaction's next statement or its COMMIT.

What the session path gives is kept:
- the same connection and transaction as the session's (`Session.connection()`): the BEGIN a statement sends is
  the one psycopg would have sent (its isolation level and all), and COMMIT, rollback and after-commit work are
  the session's as before;
- the tenancy rule for SQL text (core/tenancy.py): the statement binds `:tenant_id`, to the current tenant;
- SQLAlchemy's errors: a driver error is handed to the connection's own handling, so a unique violation is
  still an `IntegrityError` and a dead connection still invalidates the pool;
- listeners of `before_cursor_execute` see the statement as it is sent, with no cursor (tests count round trips
  with it; a deferred statement that travels with another has `DEFERRED` as its context);
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
from typing import NamedTuple, NoReturn

from psycopg import Connection as PsycopgConnection
from psycopg import errors as psycopg_errors
from psycopg.adapt import PyFormat, Transformer
from psycopg.generators import execute as send_and_fetch
from psycopg.pq import ExecStatus, Format, TransactionStatus
from psycopg.waiting import Wait
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool
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
    transaction, on psycopg directly; its rows as named tuples. Statements deferred before it travel with it."""
    connection, form, values = _prepared_call(session, statement, parameters)
    raw = connection.connection.driver_connection
    state = _state_of(raw)
    call = _Call(form, values, *_dumped(state, form, values))
    if state.deferred:
        _announce(connection, state.deferred, alone=False)
    connection.dispatch.before_cursor_execute(connection, None, form.sql, values, None, False)
    try:
        result = _run(raw, state, [*state.deferred, call])
    except connection.dialect.loaded_dbapi.Error as error:
        _raise_wrapped(connection, state, error, form.sql)
    if form.row is None:  # plain text: its columns' names, read once
        form = _named(statement, form, tuple(result.fname(i).decode() for i in range(result.nfields)))
    state.transformer.set_pgresult(result)
    if form.results:
        return DriverRows(form.names, [form.row._make(_converted(row, form.results))
                                       for row in state.transformer.load_rows(0, result.ntuples, tuple)])
    return DriverRows(form.names, state.transformer.load_rows(0, result.ntuples, form.row._make))


def defer_on_driver(session: Session, statement: TextClause | TextualSelect, parameters: dict) -> None:
    """Run `statement` in the session's transaction without waiting for it: it is sent with the transaction's
    next statement on this connection (the driver's, in the same message; any other, just before it) or with its
    COMMIT, in order. A round trip saved, for a write whose rows nobody reads.

    Its failure is raised by whatever sends it (that next statement's call, or the commit), so only for a
    statement whose errors nobody catches where it is called: one that fails rolls its transaction back whole,
    and the transaction can no longer commit (see `_refuse_commit_after_a_failed_deferral`). A rollback
    forgets it unsent. In autocommit it runs at once; elsewhere than PostgreSQL, at once through the session.
    Statements run on psycopg directly (core/bulk.py's COPY) do not send it first: not in the same transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(statement, parameters)
        return
    if session.connection().connection.driver_connection.autocommit:
        execute_on_driver(session, statement, parameters)
        return
    connection, form, values = _prepared_call(session, statement, parameters)
    state = _state_of(connection.connection.driver_connection)
    parameters_dumped, types, formats = _dumped(state, form, values)
    state.deferred.append(_Call(form, values, parameters_dumped, tuple(types), list(formats)))


# Listeners of `before_cursor_execute` see a deferred statement when it is sent (its cursor None, as for every
# statement of the driver's), with this as its context when it costs no round trip of its own: it travels with
# the driver's next statement or the COMMIT, or after the first of the deferred statements sent together ahead
# of a statement not the driver's (which is seen as a statement: their round trip).
DEFERRED = "deferred: sent with another statement"


def _announce(connection, calls: list[_Call], *, alone: bool) -> None:
    for position, call in enumerate(calls):
        context = None if alone and position == 0 else DEFERRED
        connection.dispatch.before_cursor_execute(connection, None, call.form.sql, call.values, context, False)


def _prepared_call(session: Session, statement, parameters: dict):
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
    return connection, form, values


def _raise_wrapped(connection, state: _ConnectionState, error: Exception, sql: str | None = None) -> NoReturn:
    if isinstance(error, psycopg_errors.InvalidSqlStatementName):
        # Our statements were deallocated behind psycopg's back: prepare them anew from the next call.
        state.prepared.clear()
    # SQLAlchemy's own handling: the error wrapped as session.execute would raise it (IntegrityError, …),
    # and a connection found dead invalidated with the pool.
    failed = getattr(error, "fission_statement", None)
    connection._handle_dbapi_exception(error, failed.form.sql if failed else sql,
                                       failed.values if failed else None, None, None)
    raise error  # (_handle_dbapi_exception always raises)


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
    first), how often each statement was run, one Transformer to dump parameters and load rows (psycopg's
    own cursor makes one per cursor), the statements deferred in its transaction, and whether one of them
    failed there."""

    __slots__ = ("prepared", "runs", "named", "transformer", "deferred", "deferral_failed")

    def __init__(self, raw: PsycopgConnection):
        self.prepared: OrderedDict[tuple[bytes, tuple[int, ...]], bytes] = OrderedDict()
        self.runs: OrderedDict[tuple[bytes, tuple[int, ...]], int] = OrderedDict()
        self.named = 0  # names given on this connection: a name is never reused, even after a DEALLOCATE ALL
        self.transformer = Transformer(raw)
        self.deferred: list[_Call] = []
        self.deferral_failed = False
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


class _Call(NamedTuple):
    """A statement with its parameters, dumped for libpq."""

    form: _DriverForm
    values: dict  # as bound (for errors' messages)
    parameters: list
    types: tuple[int, ...]
    formats: list


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


def _dumped(state: _ConnectionState, form: _DriverForm, values: dict) -> tuple[list, tuple, list]:
    transformer = state.transformer
    formats = _FORMATS.get(len(form.order))
    if formats is None:
        formats = _FORMATS[len(form.order)] = [PyFormat.AUTO] * len(form.order)
    parameters = transformer.dump_sequence([values[name] for name in form.order], formats)
    return parameters, transformer.types, transformer.formats


_COMMIT = None  # in a list of calls to `_run`: the COMMIT


def _run(raw: PsycopgConnection, state: _ConnectionState, calls: list[_Call | None]):
    """Send `calls` in order, in one message (with the BEGIN psycopg would send first, if they open the
    transaction; `_COMMIT` for the COMMIT); the last statement's result (a libpq PGresult), or the first error
    raised (its statement named on it as `fission_statement`). Whatever is sent, the deferred statements were
    among it: they are no longer pending."""
    pgconn = raw.pgconn
    with raw.lock:
        if pgconn.pipeline_status:
            raise psycopg_errors.ProgrammingError("the driver does not run inside a psycopg pipeline")
        begin = raw._get_tx_start_command() if (
            not raw.autocommit and pgconn.transaction_status == TransactionStatus.IDLE) else None
        deferred = state.deferred
        state.deferred = []
        try:
            return _sent(raw, state, begin, calls)
        except psycopg_errors.Error as error:
            if any(call is getattr(error, "fission_statement", None) for call in deferred):
                state.deferral_failed = True  # raised where nobody expects it: the transaction must not commit
            raise


def _sent(raw: PsycopgConnection, state: _ConnectionState, begin: bytes | None, calls: list):
    pgconn = raw.pgconn
    if begin is None and len(calls) == 1:  # one statement alone: no pipeline unless it is to be prepared
        call = calls[0]
        key = (call.form.positional, call.types)
        name = state.prepared.get(key)
        if name is not None:
            state.prepared.move_to_end(key)
            pgconn.send_query_prepared(name, call.parameters, call.formats, Format.TEXT)
            return _only(raw.wait(send_and_fetch(pgconn)), raw, call)
        if _count_run(state, key) < _PREPARE_ON_RUN:
            pgconn.send_query_params(call.form.positional, call.parameters, param_types=call.types,
                                     param_formats=call.formats, result_format=Format.TEXT)
            return _only(raw.wait(send_and_fetch(pgconn)), raw, call)
        return _pipelined(raw, state, None, calls, counted=True)  # its second run: prepared now
    return _pipelined(raw, state, begin, calls, counted=False)


def _pipelined(raw: PsycopgConnection, state: _ConnectionState, begin: bytes | None, calls: list,
               *, counted: bool):
    pgconn = raw.pgconn
    # What was sent, in order; each gives one result: ("begin" | "deallocate" | "commit", None),
    # ("prepare", key and name), ("statement", the call).
    sent: list[tuple[str, object]] = []
    pgconn.enter_pipeline_mode()
    try:
        if begin is not None:
            pgconn.send_query_params(begin, None)
            sent.append(("begin", None))
        for call in calls:
            if call is _COMMIT:
                pgconn.send_query_params(b"COMMIT", None)
                sent.append(("commit", None))
                continue
            key = (call.form.positional, call.types)
            name = state.prepared.get(key)
            if name is not None:
                state.prepared.move_to_end(key)
            elif counted or _count_run(state, key) >= _PREPARE_ON_RUN:
                if len(state.prepared) >= _PREPARED_KEPT:
                    pgconn.send_query_params(b"DEALLOCATE " + state.prepared.popitem(last=False)[1], None)
                    sent.append(("deallocate", None))
                state.named += 1
                name = state.prepared[key] = b"fission_%d" % state.named  # forgotten below if it fails
                pgconn.send_prepare(name, call.form.positional, param_types=call.types)
                sent.append(("prepare", (key, name)))
            counted = False
            if name is not None:
                pgconn.send_query_prepared(name, call.parameters, call.formats, Format.TEXT)
            else:  # seen once so far: unnamed, parsed and planned this once
                pgconn.send_query_params(call.form.positional, call.parameters, param_types=call.types,
                                         param_formats=call.formats, result_format=Format.TEXT)
            sent.append(("statement", call))
        pgconn.pipeline_sync()
        results = raw.wait(_through_sync(pgconn))
    finally:
        if not _left_pipeline_mode(pgconn):
            raw.close()  # results were left behind (the wait failed): no one can use it again; the pool
            # sees it closed and replaces it
    last = None
    for position, ((what, detail), result) in enumerate(zip(sent, results, strict=False)):
        if result.status not in (ExecStatus.FATAL_ERROR, ExecStatus.PIPELINE_ABORTED):
            if what == "statement":
                last = result
            continue
        # The first failure aborted the rest: statements prepared from here on were not.
        for what_after, detail_after in sent[position:]:
            if what_after == "prepare" and state.prepared.get(detail_after[0]) == detail_after[1]:
                del state.prepared[detail_after[0]]
        error = psycopg_errors.error_from_result(result, encoding=raw.info.encoding)
        if what == "statement":
            error.fission_statement = detail
        raise error
    return last if last is None else _only([last], raw, None)


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


def _only(results: list, raw: PsycopgConnection, call: _Call | None):
    (result,) = results
    if result.status == ExecStatus.FATAL_ERROR:
        error = psycopg_errors.error_from_result(result, encoding=raw.info.encoding)
        error.fission_statement = call
        raise error
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


# Deferred statements go out before any other statement of their connection, with its COMMIT, or not at all
# (a rollback). Listened for on every engine (SQLite's connections have no driver state: nothing to do).


def _state_on(connection) -> _ConnectionState | None:
    fairy = connection._dbapi_connection  # None once closed or invalidated
    raw = fairy.driver_connection if fairy is not None and fairy.is_valid else None
    return getattr(raw, "_fission_driver", None)


@event.listens_for(Engine, "before_cursor_execute")
def _send_deferred_before_other_statements(connection, cursor, statement, parameters, context, executemany):
    if cursor is None:
        return  # the driver's own: it sends what was deferred with it
    state = _state_on(connection)
    if state is not None and state.deferred:
        _send_deferred(connection, state, commit=False)


@event.listens_for(Engine, "commit")
def _send_deferred_with_the_commit(connection):
    state = _state_on(connection)
    if state is None:
        return
    if state.deferral_failed:
        _refuse_commit_after_a_failed_deferral(connection, state)
    if state.deferred:
        # Its COMMIT too: psycopg's own, which SQLAlchemy calls next, finds no transaction and sends nothing.
        _send_deferred(connection, state, commit=True)


@event.listens_for(Engine, "rollback")
def _forget_deferred(connection):
    state = _state_on(connection)
    if state is not None:
        state.deferred = []
        state.deferral_failed = False


@event.listens_for(Pool, "reset")
def _forget_deferred_on_reset(dbapi_connection, *_):
    state = getattr(getattr(dbapi_connection, "driver_connection", dbapi_connection), "_fission_driver", None)
    if state is not None:
        state.deferred = []
        state.deferral_failed = False


def _send_deferred(connection, state: _ConnectionState, *, commit: bool) -> None:
    raw = connection._dbapi_connection.driver_connection
    _announce(connection, state.deferred, alone=not commit)
    try:
        _run(raw, state, [*state.deferred, *((_COMMIT,) if commit else ())])
    except connection.dialect.loaded_dbapi.Error as error:
        _raise_wrapped(connection, state, error)


def _refuse_commit_after_a_failed_deferral(connection, state: _ConnectionState) -> NoReturn:
    """A deferred statement failed, and whoever called the statement that sent it went on (caught the error):
    PostgreSQL would answer this transaction's COMMIT with a ROLLBACK and psycopg raise nothing. Refused."""
    _raise_wrapped(connection, state, psycopg_errors.InFailedSqlTransaction(
        "a deferred statement of this transaction failed: it was rolled back and cannot commit"), "COMMIT")
