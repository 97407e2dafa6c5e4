"""Reading a file of codes: one code a line, or a CSV whose first column holds them (a `.csv` name says which).

Shared by `flask vouchers import` and the console's background import, so both read a file the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


def is_csv_name(filename: str) -> bool:
    return filename.lower().endswith(".csv")


def code_rows(lines: Iterable[str], *, is_csv: bool) -> Iterator[tuple[int, str]]:
    """(line number, raw code) for every line or CSV row that holds something. A CSV's first row is a header
    when its first cell holds no digit (codes always have some; "code" or "券码" do not)."""
    if not is_csv:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line
        return
    for number, row in enumerate(csv.reader(lines), start=1):
        first = row[0] if row else ""
        if number == 1 and not any(char.isdigit() for char in first):
            continue
        if first.strip():
            yield number, first


def decode(raw: bytes) -> str:
    """An uploaded file's text: UTF-8 (with or without a byte-order mark), else GB18030, which spreadsheet
    programs in China save CSV files in."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")
