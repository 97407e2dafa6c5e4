"""`flask vouchers import POOL_ID FILE`: any number of codes into a pool, set-based, with a progress bar.

The file has one code a line, or is a CSV whose first column holds the codes (a `.csv` name says which).
Lines that are not valid codes are reported (line number and why) and skipped; codes the tenant holds
already are counted as duplicates. Each batch commits on its own, so an interrupted import can simply be run
again: what it imported the first time counts as duplicates the second.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import unit_of_work
from core.errors import DomainError
from core.tenancy import tenant_scope
from loyalty.vouchers import files
from loyalty.vouchers.service import codes, pools

BATCH = 50_000

vouchers_cli = AppGroup("vouchers", help="Voucher pools: import codes.")


class _CountingLines:
    """The file's lines as text, counting the bytes read so far (for the progress bar)."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._file:
            self.bytes_read += len(raw)
            yield raw.decode("utf-8-sig" if self.bytes_read == len(raw) else "utf-8", errors="replace")

    def close(self) -> None:
        self._file.close()


@vouchers_cli.command("import")
@click.argument("pool_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=BATCH, show_default=True, help="Codes per COPY and transaction.")
def import_command(pool_id: str, file: Path, batch_size: int) -> None:
    """Import the codes in FILE (one a line, or a CSV's first column) into pool POOL_ID."""
    with unit_of_work() as session:
        tenant_id = pools.tenant_of_pool(session, pool_id=pool_id)
    if tenant_id is None:
        raise click.ClickException(f"No voucher pool {pool_id}")
    imported = duplicates = invalid = 0
    lines = _CountingLines(file)
    rows = files.code_rows(lines, is_csv=files.is_csv_name(file.name))
    try:
        with tenant_scope(tenant_id), click.progressbar(length=file.stat().st_size, label="Importing codes",
                                                        file=sys.stderr) as bar:
            while batch := list(islice(rows, batch_size)):
                screened = codes.screen(raw for _, raw in batch)
                for problem in screened.invalid:
                    number = batch[problem["index"]][0]
                    click.echo(f"\nline {number}: {problem['reason']}: {problem['message']}", err=True)
                with unit_of_work() as session:
                    pool = codes.pool_accepting_codes(session, pool_id=pool_id)
                    added = codes.insert_codes(session, pool=pool, codes=screened.valid)
                imported += added
                duplicates += len(screened.valid) - added
                invalid += len(screened.invalid)
                bar.update(lines.bytes_read - bar.pos)
            bar.update(bar.length - bar.pos)
    except DomainError as error:  # e.g. the pool was archived: what was imported so far stays
        raise click.ClickException(f"{error.message} (imported {imported} so far)") from error
    finally:
        lines.close()
    click.echo(json.dumps({"imported": imported, "duplicates": duplicates, "invalid": invalid}))
