"""CSV rows from schemas: the header is the JSON fields (nested ones joined with `.`), cells as JSON shows them."""

import csv
import io

import marshmallow as ma

from core.csv_export import BOM, columns, dumped, flatten, lines, rows_of


class Money(ma.Schema):
    amount = ma.fields.Integer()
    currency = ma.fields.String()


class Report(ma.Schema):
    name = ma.fields.String()
    start = ma.fields.String(data_key="from")
    paid = ma.fields.Nested(Money)
    balanced = ma.fields.Boolean()
    counts = ma.fields.List(ma.fields.Integer())
    note = ma.fields.String(allow_none=True)


def test_the_header_flattens_nested_schemas_and_uses_data_keys():
    assert columns(Report) == ["name", "from", "paid.amount", "paid.currency", "balanced", "counts", "note"]


def test_flatten_joins_nested_keys_with_dots():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": 3}}}) == {"a": 1, "b.c": 2, "b.d.e": 3}


def test_cells_are_as_json_shows_them_and_quoted_when_they_must_be():
    rows = dumped(Report, [{"name": 'Tea, "green"\nhouse', "start": "2025-03-01", "balanced": True, "counts": [1, 2],
                            "note": None, "paid": {"amount": 1250, "currency": "CNY"}}])

    text = "".join(lines(columns(Report), rows))

    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row == {"name": 'Tea, "green"\nhouse', "from": "2025-03-01", "paid.amount": "1250", "paid.currency": "CNY",
                   "balanced": "true", "counts": "2", "note": ""}


def test_a_byte_order_mark_goes_first_when_asked_for_and_rows_come_in_chunks():
    chunks = list(lines(["n"], ({"n": n} for n in range(450)), bom=True))

    assert chunks[0].startswith(BOM + "n\r\n") and len(chunks) == 3
    assert "".join(chunks).count("\r\n") == 451


def test_a_report_in_hand_is_one_row_with_the_byte_order_mark_the_console_wants():
    response = rows_of(Report, [{"name": "March", "paid": {"amount": 5, "currency": "CNY"}}], filename="march",
                       bom=True)

    text = "".join(response.response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="march.csv"'
    assert text.startswith(BOM) and text.splitlines()[1] == "March,,5,CNY,,,"
