"""Database kernel: declarative base, column types, engine, and the unit of work."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    String,
    TextClause,
    column,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
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
