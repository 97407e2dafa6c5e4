"""Database kernel: declarative base, column types, engine, and the unit of work."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    String,
    Table,
    TextClause,
    column,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database returns."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Public ids compare byte-wise so that `ORDER BY id` is creation order on every database.
PublicId = String(40).with_variant(String(40, collation="C"), "postgresql")
JSONDocument = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSONDocument, list: JSONDocument}


def normalize_url(url: str) -> str:
    """Let a plain postgresql:// URL pick our driver (psycopg 3)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Database:
    """The process's engine and session factory, configured once by the application factory."""

    def __init__(self):
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.autocommit_factory: sessionmaker[Session] | None = None

    def configure(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        url = normalize_url(url)
        if self.engine is not None and str(self.engine.url) == str(make_url(url)):
            return
        if self.engine is not None:
            self.engine.dispose()
        kwargs: dict = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # No pre-ping: it is a `SELECT 1` round trip on every checkout of a connection, a fifth of a
            # checkout's. Connections are recycled after POOL_RECYCLE_SECONDS instead (before a server or a
            # proxy drops them idle), one psycopg already knows is closed or broken is replaced at checkout
            # for free, and a statement that fails on a dead connection invalidates the whole pool, so the
            # next unit of work starts on fresh connections (SQLAlchemy's disconnect handling).
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_recycle=POOL_RECYCLE_SECONDS)
        engine = create_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            event.listen(engine, "checkout", _replace_known_dead)
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        self.autocommit_factory = sessionmaker(bind=engine.execution_options(isolation_level="AUTOCOMMIT"),
                                               expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.require_engine().dialect.name

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the database is not configured; call create_app() first")
        return self.engine

    def session(self) -> Session:
        if self.session_factory is None:
            raise RuntimeError("the database is not configured; call create_app() first")
        return self.session_factory()


POOL_RECYCLE_SECONDS = 1800


def _replace_known_dead(dbapi_connection, _record, _proxy):
    # The pool retries the checkout with a new connection when this raises (no round trip to find out).
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        raise DisconnectionError("the connection was closed; replaced at checkout")


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


database = Database()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the unit of work that owns `session` has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


_enclosing: ContextVar[Session | None] = ContextVar("fission_enclosing_unit_of_work", default=None)


class UnitOfWorkFailed(RuntimeError):
    """A unit of work that joined an enclosing one raised, and the error was swallowed: nothing commits."""


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session whose transaction commits when the block ends and rolls back if it raises.

    Entry points (views, jobs, webhooks, CLI commands) own this; services only flush.
    Callbacks registered with `after_commit` run after the commit, outside the transaction.
    Inside `enclosing_unit_of_work()` it joins that one instead, which commits (or rolls back) for both.
    """
    enclosing = _enclosing.get()
    if enclosing is not None:
        try:
            yield enclosing
        except BaseException:
            enclosing.info["failed"] = True  # whoever catches this, the enclosing unit must not commit
            raise
        return
    session = database.session()
    try:
        yield session
        if session.info.get("failed"):
            raise UnitOfWorkFailed("a unit of work inside this one failed; nothing was committed")
        session.commit()
        callbacks = session.info.pop("after_commit", [])
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for callback in callbacks:
        callback()


@contextmanager
def statement_by_statement() -> Iterator[Session]:
    """A session whose every statement commits by itself (autocommit): no BEGIN and no COMMIT round trip.

    Only for work each of whose statements is safe alone (a guarded INSERT or UPDATE, a read): nothing is
    undone if the block raises after one of them ran. It never joins an enclosing unit of work (the
    idempotency claim is meant to outlive the request's own transaction).
    """
    if database.autocommit_factory is None:
        raise RuntimeError("the database is not configured; call create_app() first")
    session = database.autocommit_factory()
    try:
        yield session
        session.commit()  # flushes what the block added; the driver has nothing left to commit
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def enclosing_unit_of_work() -> Iterator[Session]:
    """A unit of work that every `unit_of_work()` opened inside the block joins: one transaction for all.

    The idempotency decorator wraps a view in it, so the view's changes and its stored response
    commit together. Only for code that calls no outside service between its units of work.
    """
    with unit_of_work() as session:
        token = _enclosing.set(session)
        try:
            yield session
        finally:
            _enclosing.reset(token)  # before the commit: after-commit callbacks open units of their own


def insert_ignoring_conflicts(session: Session, table, values: dict | list[dict], *, index_elements: list[str]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite; returns how many rows were inserted.

    Counted with RETURNING: the driver's rowcount is not reliable for this statement.
    """
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        builder(table).values(values).on_conflict_do_nothing(index_elements=index_elements)
        .returning(*[table.c[name] for name in index_elements])
    )
    return len(session.execute(statement).all())


def insert_together(session: Session, inserts: list) -> None:
    """Run INSERTs in one round trip: on PostgreSQL as the data-modifying CTEs of one statement (foreign
    keys are checked at its end, so a parent and its children may go together); one by one, in the order
    given, elsewhere (SQLite has no INSERT in WITH)."""
    if session.get_bind().dialect.name != "postgresql":
        for statement in inserts:
            session.execute(statement)
        return
    written = [statement.returning(statement.table.primary_key.columns[0]).cte(f"written_{n}")
               for n, statement in enumerate(inserts)]
    session.execute(select(*[select(func.count()).select_from(cte).scalar_subquery() for cte in written]))


def returning(statement: TextClause, *names: str, **types) -> object:
    """SQL text that returns rows, with its result columns named in the order it returns them (a type in
    `types` where a value needs converting). Matched by position, SQLAlchemy keeps the result's description
    with the compiled statement; text without them (or with columns by keyword) has each result's columns
    matched against the cursor's by name, on every execution: for a hot statement of many columns, more
    time than the statement's own execution (issue 14)."""
    unknown = set(types) - set(names)
    if unknown:
        raise ValueError(f"types for columns not returned: {sorted(unknown)}")
    return statement.columns(*(column(name, types.get(name)) for name in names))


@dataclass(frozen=True)
class NewRow:
    """A row for `write_new` to insert beside its objects; with `skip_conflicts_on`, ON CONFLICT (those
    columns) DO NOTHING (an outbox job's key: the same key, the same no-op)."""

    table: Table
    values: dict
    skip_conflicts_on: tuple[str, ...] = ()


def write_new(session: Session, objects: list, *, also: tuple[NewRow, ...] = ()) -> None:
    """Insert freshly built ORM objects (and the `also` rows) in one round trip, then make the objects
    persistent in `session` as if they had been loaded: no flush, no read back.

    For hot paths whose rows are known in full before they are written (checkout). Every column attribute
    left unset gets its column's default (or None), so reading one later never goes back to the database;
    foreign keys must be set as columns (the unit of work's relationship bookkeeping is not involved).
    On PostgreSQL the statement is SQL text built once per shape (which tables, in which order, with which
    columns), the rows its JSON parameters, so a checkout does not build, compile and cache-key a new one.
    """
    rows = [NewRow(inspect(obj).mapper.local_table, row_of(obj)) for obj in objects] + list(also)
    if session.get_bind().dialect.name != "postgresql":
        insert_together(session, [_insert_of(row, sqlite.insert) for row in rows])
    else:
        statement, parameters = _written_together(rows)
        session.execute(statement, parameters)
    adopt(session, objects)


def _insert_of(row: NewRow, builder):
    statement = builder(row.table).values(row.values)
    return statement.on_conflict_do_nothing(index_elements=list(row.skip_conflicts_on)) if row.skip_conflicts_on \
        else statement


_TOGETHER_SHAPES = 256
_together: dict[tuple, object] = {}


def _written_together(rows: list[NewRow]) -> tuple[object, dict]:
    """The one statement (cached per shape) that inserts `rows`, and its parameters.

    Rows of one table with the same columns travel as one JSON array (`jsonb_populate_recordset` over the
    table's row type gives each value its column's type), so the statement has a parameter per group of rows,
    not per value: it stays small enough for the driver to keep its parsed form, and the shape does not
    change with the number of lines. Every row's tenant_id is the one `:tenant_id` parameter (the JSON's is
    not read), which the tenancy hook checks is the current tenant.
    """
    tenant_ids = {row.values["tenant_id"] for row in rows if row.values.get("tenant_id") is not None}
    if len(tenant_ids) != 1:
        raise ValueError("rows written together belong to one tenant, named on each")
    groups: list[tuple[NewRow, list[dict]]] = []
    for row in rows:
        if groups and _same_shape(groups[-1][0], row):
            groups[-1][1].append(row.values)
        else:
            groups.append((row, [row.values]))
    shape = tuple((row.table.name, tuple(row.values), row.skip_conflicts_on) for row, _ in groups)
    statement = _together.get(shape)
    if statement is None:
        if len(_together) >= _TOGETHER_SHAPES:
            _together.clear()
        statement = _together[shape] = _together_statement([row for row, _ in groups])
    parameters = {f"rows_{n}": json.dumps(values, default=_json_value, separators=(",", ":"))
                  for n, (_, values) in enumerate(groups)}
    parameters["tenant_id"] = tenant_ids.pop()
    return statement, parameters


def _same_shape(first: NewRow, row: NewRow) -> bool:
    return (first.table is row.table and first.skip_conflicts_on == row.skip_conflicts_on
            and first.values.keys() == row.values.keys())


def _json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps are UTC-aware")
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _together_statement(groups: list[NewRow]):
    ctes = []
    for n, row in enumerate(groups):
        table, names = row.table, list(row.values)
        selected = ", ".join(":tenant_id" if name == "tenant_id" else f"r.{table.c[name].name}" for name in names)
        conflict = (f" ON CONFLICT ({', '.join(row.skip_conflicts_on)}) DO NOTHING" if row.skip_conflicts_on else "")
        key = table.primary_key.columns[0].name
        columns = ", ".join(table.c[name].name for name in names)
        ctes.append(f"written_{n} AS (INSERT INTO {table.name} ({columns}) SELECT {selected} "
                    f"FROM jsonb_populate_recordset(NULL::{table.name}, CAST(:rows_{n} AS jsonb)) AS r"
                    f"{conflict} RETURNING {key})")
    counts = ", ".join(f"(SELECT count(*) FROM written_{n})" for n in range(len(groups)))
    return returning(text(f"WITH {', '.join(ctes)} SELECT {counts}"), *(f"written_{n}" for n in range(len(groups))))


def row_of(obj) -> dict:
    """A freshly built ORM object's row, by column name; unset attributes get their column's default (or
    None), on the object too."""
    row = {}
    for attribute in inspect(obj).mapper.column_attrs:
        column = attribute.columns[0]
        if attribute.key not in obj.__dict__:
            default = column.default
            if default is not None and not default.is_scalar:
                raise ValueError(f"set {type(obj).__name__}.{attribute.key} (its default is computed)")
            setattr(obj, attribute.key, default.arg if default is not None else None)
        row[column.key] = getattr(obj, attribute.key)
    return row


def adopt(session: Session, objects: list) -> None:
    """Make built objects whose rows a statement of our own inserted persistent in `session`, as if loaded."""
    for obj in objects:
        make_transient_to_detached(obj)
    for obj in objects:
        session.add(obj)
