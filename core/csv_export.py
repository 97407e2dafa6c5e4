"""`text/csv` beside JSON for reports and lists, asked for by `Accept`, streamed row by row.

A CSV has a header row, then one row per item (of a list, a statement's lines, a report's accounts) or one
row for a report that is one object. Columns are the JSON fields of the item's schema, nested ones joined
with `.` (`liability.amount`), so a column means what the JSON field means: amounts stay integers in minor
units, times ISO 8601, booleans `true`/`false`, nulls empty. UTF-8; `bom=True` puts a byte-order mark first,
which spreadsheet programs in China need to read UTF-8 (the console's downloads).

Rows are written as they are read: a list's CSV is every item matching the filters (not one page), read in
its own unit of work inside the response's generator, so a million rows never sit in memory at once.
"""

from __future__ import annotations

import contextvars
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from functools import wraps

import marshmallow as ma
from flask import Response, request

from core.api import document
from core.db import unit_of_work
from core.tenancy import current_tenant_id, tenant_scope

MIMETYPE = "text/csv"
BOM = "\ufeff"
PAGING = ("limit", "starting_after")
_FLUSH_EVERY = 200  # rows per chunk handed to the server


def wants_csv() -> bool:
    """Whether this request's `Accept` prefers text/csv to JSON (JSON wins a tie, and `*/*`)."""
    return request.accept_mimetypes.best_match(["application/json", MIMETYPE]) == MIMETYPE


def columns(schema: ma.Schema | type[ma.Schema]) -> list[str]:
    """The CSV header of a schema: its dumped fields in order, nested schemas flattened with `.`."""
    schema = schema() if isinstance(schema, type) else schema
    names = []
    for name, field in schema.dump_fields.items():
        key = field.data_key or name
        if isinstance(field, ma.fields.Nested) and not field.many:
            names += [f"{key}.{inner}" for inner in columns(field.schema)]
        else:
            names.append(key)
    return names


def flatten(document: dict, prefix: str = "") -> dict:
    """A dumped object as one level of `a.b` keys."""
    flat = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return str(len(value))  # a list inside a one-row report: how many (its items have a CSV of their own)
    return str(value)


def lines(header: list[str], rows: Iterable[dict], *, bom: bool = False) -> Iterator[str]:
    """The CSV text, a chunk at a time: the header row, then each row's cells in the header's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(column)) for column in header])
        if count % _FLUSH_EVERY == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def dumped(schema: ma.Schema | type[ma.Schema], items: Iterable) -> Iterator[dict]:
    """Each item as its JSON body would show it, flattened for a CSV row."""
    schema = schema() if isinstance(schema, type) else schema
    for item in items:
        yield flatten(schema.dump(item))


def stream(schema: ma.Schema | type[ma.Schema], rows: Callable[..., Iterable], *, filename: str, bom: bool = False,
           **arguments) -> Response:
    """A streamed CSV response of `rows(session, **arguments)` dumped by `schema`, read in its own unit of work in
    the current tenant's scope while the response is being sent (what the console calls, with `bom=True`)."""
    tenant_id = current_tenant_id()
    header = columns(schema)

    def generate() -> Iterator[str]:
        with tenant_scope(tenant_id), unit_of_work() as session:
            yield from lines(header, dumped(schema, rows(session, **arguments)), bom=bom)

    return respond(generate(), filename=filename)


def rows_of(schema: ma.Schema | type[ma.Schema], items: Iterable, *, filename: str, bom: bool = False) -> Response:
    """A CSV response of items already in hand (a report that is one object: `[report]`), dumped by `schema`."""
    return respond(lines(columns(schema), dumped(schema, items), bom=bom), filename=filename)


def respond(chunks: Iterator[str], *, filename: str) -> Response:
    """A CSV response sending `chunks` as they come (the first is made now: a refusal is still an error body)."""
    response = Response(_isolated(chunks), mimetype=MIMETYPE)
    response.headers["Content-Type"] = f"{MIMETYPE}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _isolated(chunks: Iterator[str]) -> Iterator[str]:
    """Run the generator in a context of its own: the tenant scope it sets while it is suspended between chunks
    must never leak into whatever this thread serves next. Its first chunk is made before the response leaves,
    so a refusal met at the start (an unknown distributor, a period that ends before it starts) is a 4xx."""
    context = contextvars.copy_context()
    first = context.run(next, chunks, None)

    def rest() -> Iterator[str]:
        try:
            if first is not None:
                yield first
            while True:
                try:
                    chunk = context.run(next, chunks)
                except StopIteration:
                    return
                yield chunk
        finally:
            context.run(chunks.close)

    return rest()


_DOCUMENTED = {200: {"content": {MIMETYPE: {"schema": {"type": "string", "description": (
    "With `Accept: text/csv`: a header row, then one row per item (nested fields joined with `.`; amounts "
    "in minor units). A list's CSV holds every item matching the filters, not one page.")}}}}}


def csv_export(schema: type[ma.Schema], *, filename: str, rows: Callable[..., Iterable] | None = None,
               items: str | None = None):
    """Answer `text/csv` when asked by `Accept` (place it below `@blp.response`).

    With `rows`, the CSV is `rows(session, **arguments)` streamed (the view is not called): the arguments are the
    route's query arguments (less paging) and path variables. Without it, the view's own answer is the CSV: one
    row for a report that is one object, or one row per element of its `items` list.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not wants_csv():
                return view(*args, **kwargs)
            if rows is not None:
                arguments = {key: value for parsed in args[1:] if isinstance(parsed, dict)
                             for key, value in parsed.items() if key not in PAGING}
                return stream(schema, rows, filename=filename, **arguments, **kwargs)
            result = view(*args, **kwargs)
            return rows_of(schema, result[items] if items else [result], filename=filename)

        return document(responses=_DOCUMENTED)(wrapper)

    return decorator
