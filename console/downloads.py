"""CSV downloads the way spreadsheet programs in China open them as they are: UTF-8 with a byte-order mark.

For the reports pages still to come (finance's reconciliation, statements): a view returns
`csv_download("reconciliation-2026-11.csv", header, rows)`; money goes in as text the clerk would type
(`formatting.major_units`), so no spreadsheet turns it into a float.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response

BOM = "\ufeff"


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue()


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A CSV attachment; the file name may be Chinese (RFC 6266 `filename*`)."""
    response = Response(csv_text(header, rows).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response
