"""Importing a file of codes in the background: the file is kept with the import, and a job imports one batch
per run, each in its own transaction, counting what it did, then asks for the next. A page follows the
counters while the worker goes on; an import never holds a request (or one long transaction) open.

Each batch is the same set-based insert as the API's import (codes.insert_codes). A batch job is enqueued
under a key naming its offset, so however often a run is retried, each batch is asked for once; and it
reads the offset under the import's row lock, so it imports each batch once.
"""

from __future__ import annotations

from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, jobs
from core.api import Page
from core.errors import DomainError, InvalidRequest, NotFound
from core.ids import new_id
from core.pagination import paginate
from loyalty.vouchers import files
from loyalty.vouchers.models import VoucherImport
from loyalty.vouchers.service import codes

BATCH = 5_000
MAX_FILE_BYTES = 16 * 1024 * 1024  # about 800,000 codes: more goes through `flask vouchers import`
KEPT_PROBLEMS = 50
JOB = "loyalty.vouchers.import_batch"


def start_import(session: Session, *, pool_id: str, filename: str, content: bytes, batch: int = BATCH) -> VoucherImport:
    """Keep an uploaded file of codes and queue its first batch: 422 (on `file`) for an empty or oversized
    file, 409 voucher_pool_archived for a pool that takes no new codes."""
    pool = codes.pool_accepting_codes(session, pool_id=pool_id)
    if len(content) > MAX_FILE_BYTES:
        raise _file_refused(f"The file is over {MAX_FILE_BYTES // (1024 * 1024)} MiB; import it in parts.")
    source = files.decode(content)
    is_csv = files.is_csv_name(filename)
    total = sum(1 for _ in files.code_rows(source.splitlines(), is_csv=is_csv))
    if total == 0:
        raise _file_refused("The file holds no codes.")
    started = VoucherImport(id=new_id("vim"), pool_id=pool.id, filename=(filename or "codes.txt")[:200],
                            is_csv=is_csv, status="queued", total=total, processed=0, imported=0, duplicates=0,
                            invalid=0, problems=[], source=source, created_at=clock.now())
    session.add(started)
    session.flush()
    _queue_batch(session, started, batch=batch)
    return started


def import_batch(session: Session, *, import_id: str, batch: int = BATCH) -> None:
    """Import the next batch of the file's codes and count it; queue the next batch, or finish."""
    # The row lock makes a second run of the same batch wait, then find it done (processed moved on).
    running = session.scalars(select(VoucherImport).where(VoucherImport.id == import_id).with_for_update()
                              .execution_options(populate_existing=True)).one_or_none()
    if running is None or running.status in ("completed", "failed"):
        return
    rows = list(islice(files.code_rows(running.source.splitlines(), is_csv=running.is_csv),
                       running.processed, running.processed + batch))
    try:
        pool = codes.pool_accepting_codes(session, pool_id=running.pool_id)
    except DomainError as refusal:  # archived meanwhile: what was imported so far stays
        _finish(running, status="failed", failure=refusal.reason)
        return
    screened = codes.screen((raw for _, raw in rows))
    added = codes.insert_codes(session, pool=pool, codes=screened.valid)
    running.status = "running"
    running.processed += len(rows)
    running.imported += added
    running.duplicates += len(screened.valid) - added
    running.invalid += len(screened.invalid)
    room = KEPT_PROBLEMS - len(running.problems)
    if room > 0 and screened.invalid:
        running.problems = [*running.problems, *({"line": rows[problem["index"]][0], "reason": problem["reason"]}
                                                 for problem in screened.invalid[:room])]
    if not rows or running.processed >= running.total:
        _finish(running, status="completed")
    else:
        _queue_batch(session, running, batch=batch)


def get_import(session: Session, *, import_id: str) -> VoucherImport:
    found = session.scalars(select(VoucherImport).where(VoucherImport.id == import_id)).one_or_none()
    if found is None:
        raise NotFound("No such import")
    return found


def list_imports(session: Session, *, pool_id: str, limit: int, starting_after: str | None = None) -> Page:
    """A pool's imports, newest first."""
    return paginate(session, select(VoucherImport).where(VoucherImport.pool_id == pool_id),
                    id_column=VoucherImport.id, limit=limit, starting_after=starting_after)


def _queue_batch(session: Session, running: VoucherImport, *, batch: int) -> None:
    jobs.enqueue(session, JOB, key=f"voucher-import:{running.id}:{running.processed}", import_id=running.id,
                 batch=batch)


def _finish(running: VoucherImport, *, status: str, failure: str | None = None) -> None:
    running.status, running.failure, running.completed_at = status, failure, clock.now()
    running.source = None  # the codes are in the pool now; the file need not be kept


def _file_refused(message: str) -> InvalidRequest:
    return InvalidRequest(message, errors={"form": {"file": [message]}})
