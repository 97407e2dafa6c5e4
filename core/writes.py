"""Freshly built rows written in one round trip: `write_new` inserts ORM objects (and extra rows) together and
makes the objects persistent as if loaded. For hot paths whose rows are known in full before they are written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, inspect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from core.db import insert_together, returning
from core.driver import execute_on_driver


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
        execute_on_driver(session, statement, parameters)
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
    not read), which core.driver checks is the current tenant.
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
