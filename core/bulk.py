"""Bulk loading with PostgreSQL's COPY, for set-based imports (voucher codes and the like).

COPY runs on the driver's connection, past the ORM and so past the tenancy hook: it may only fill a
staging table that holds no tenant's rows (a temporary table), from which one `INSERT … SELECT` that
names `tenant_id` moves the rows through the hook. Domain code never touches the raw connection itself
(tests/api/foundation/test_tenancy_hooks.py checks), so this is the one place COPY is written.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from core.errors import TenantScopeViolation
from core.tenancy import tenant_table_names

# COPY's text format: a backslash, tab, newline or carriage return in a value must be escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_into_staging(session: Session, *, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """COPY `rows` (tuples of strings) into a staging table in the session's transaction."""
    if table in tenant_table_names():
        raise TenantScopeViolation(f"COPY bypasses tenant scoping: {table} is a tenant table, stage it first")
    data = "".join("\t".join(value.translate(_ESCAPES) for value in row) + "\n" for row in rows)
    driver_connection = session.connection().connection.driver_connection
    with driver_connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)
