"""Count the database round trips an engine makes: statements, BEGIN, COMMIT, ROLLBACK and pre-pings.

psycopg 3 sends `BEGIN` as a round trip of its own before the first statement of a transaction, and
`COMMIT`/`ROLLBACK` as one each; SQLAlchemy's pool pre-ping is a `SELECT 1` on every checkout. A
statement run as `executemany` is counted once per statement (psycopg pipelines the rows). A statement run
by core/driver.py (seen with no cursor) that opens its transaction sends the `BEGIN` with it, in one round
trip: that `BEGIN` is not counted. A statement the driver deferred, seen with `core.driver.DEFERRED` as its
context, travels with another statement or the COMMIT: it is listed in `statements` and counted in `deferred`,
not as a round trip.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.driver import DEFERRED


class RoundTrips:
    """What an engine sent while `counting()` was open: `total`, and the statements' SQL in `statements`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.kinds: Counter = Counter()
        self.statements: list[str] = []
        self.deferred = 0  # statements sent with a later one: no round trip of their own
        self._on = False
        self._listeners = [
            (engine, "before_cursor_execute", self._statement),
            (engine, "commit", lambda conn: self._count_unless_autocommit(conn, "COMMIT")),
            (engine, "rollback", self._rollback),
        ]

    def _count(self, kind: str) -> None:
        if self._on:
            self.kinds[kind] += 1

    def _count_unless_autocommit(self, connection, kind: str) -> None:
        # An autocommit connection (core.db.statement_by_statement) sends neither.
        if not getattr(connection.connection.dbapi_connection, "autocommit", False):
            self._count(kind)

    def _statement(self, connection, cursor, statement, _parameters, context, _executemany) -> None:
        if self._on and context is DEFERRED:
            self.deferred += 1
            self.statements.append("(deferred) " + " ".join(statement.split())[:160])
        elif self._on:
            raw = connection.connection.dbapi_connection
            opens = not raw.autocommit and int(raw.info.transaction_status) == 0  # IDLE: psycopg will BEGIN
            if opens and cursor is not None:
                self.kinds["BEGIN"] += 1
            self.kinds["statement"] += 1
            self.statements.append(" ".join(statement.split())[:160])

    def _rollback(self, connection) -> None:
        # SQLAlchemy emits a rollback event on every reset of a connection; psycopg sends one only when a
        # transaction is open (INTRANS or INERROR), so count only those.
        if not self._on:
            return
        raw = connection.connection.dbapi_connection
        status = getattr(getattr(raw, "info", None), "transaction_status", None)
        if status is None or int(status) != 0:  # 0: IDLE
            self._count("ROLLBACK")

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def reset(self) -> None:
        self.kinds.clear()
        self.statements.clear()
        self.deferred = 0

    @contextmanager
    def counting(self):
        """Count inside the block; the listeners are removed at its end."""
        self.reset()
        for target, name, handler in self._listeners:
            event.listen(target, name, handler)
        dialect = self.engine.dialect
        original = dialect.do_ping

        def counted_ping(dbapi_connection):
            self._count("ping")
            return original(dbapi_connection)

        dialect.do_ping = counted_ping  # the pool's pre-ping calls it on every checkout
        self._on = True
        try:
            yield self
        finally:
            self._on = False
            del dialect.do_ping  # the class's method again
            for target, name, handler in self._listeners:
                event.remove(target, name, handler)

    def summary(self) -> str:
        return ", ".join(f"{kind} {count}" for kind, count in sorted(self.kinds.items())) + f" = {self.total}"
