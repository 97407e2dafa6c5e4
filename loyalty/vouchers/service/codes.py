"""Putting codes in a pool: imported (from a platform's export) or generated here; set-based either way.

Codes are unique per tenant across pools: a code any pool of the tenant holds already is a duplicate,
skipped and counted, never an error. On PostgreSQL a batch is COPYed into a temporary table and moved
with one `INSERT … SELECT … ON CONFLICT DO NOTHING`; elsewhere (SQLite) multi-row INSERTs do the same.
Raw SQL on a tenant table, so it names tenant_id itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from core import clock
from core.bulk import copy_into_staging
from core.db import insert_ignoring_conflicts
from core.ids import new_ids
from core.tenancy import require_tenant_id
from loyalty.vouchers import rules
from loyalty.vouchers.errors import VoucherPoolArchived
from loyalty.vouchers.models import Voucher, VoucherPool
from loyalty.vouchers.service.pools import get_pool

MAX_PER_REQUEST = 10_000
MAX_GENERATED = 100_000
_PORTABLE_CHUNK = 500  # rows per INSERT where there is no COPY (SQLite allows 32,766 parameters)
_STAGING = "voucher_codes_staging"


@dataclass
class Screened:
    """A batch of raw codes, sorted into normalised valid ones and what is wrong with the others."""

    valid: list[str] = field(default_factory=list)
    invalid: list[dict] = field(default_factory=list)  # {index, reason, message}


def screen(raw_codes: Iterable[str], *, first_index: int = 0) -> Screened:
    """Normalise each code and sort it into valid or invalid (by its index, counting from `first_index`). Any
    4-64 letters and digits is valid: codes come from other platforms, whatever their last character."""
    screened = Screened()
    for index, raw in enumerate(raw_codes, start=first_index):
        code = rules.normalize(raw)
        problem = rules.format_problem(code)
        if problem is None:
            screened.valid.append(code)
        else:
            screened.invalid.append({"index": index, "reason": problem.reason, "message": problem.message})
    return screened


def import_codes(session: Session, *, pool_id: str, codes: list[str]) -> dict:
    """Add codes to a pool: `{imported, duplicates, invalid: [{index, reason}]}`."""
    pool = pool_accepting_codes(session, pool_id=pool_id)
    screened = screen(codes)
    imported = insert_codes(session, pool=pool, codes=screened.valid)
    return {"imported": imported, "duplicates": len(screened.valid) - imported, "invalid": screened.invalid}


def generate_codes(session: Session, *, pool_id: str, count: int) -> dict:
    """Add `count` new unguessable codes to a pool: `{generated}`."""
    pool = pool_accepting_codes(session, pool_id=pool_id)
    generated = 0
    while generated < count:
        # A clash with a code the tenant holds (84 random bits: never seen in practice) is skipped by
        # the insert and simply drawn again.
        generated += insert_codes(session, pool=pool, codes=[rules.generate_code() for _ in range(count - generated)])
    return {"generated": generated}


def pool_accepting_codes(session: Session, *, pool_id: str) -> VoucherPool:
    """The pool, if codes may still be added to it: 409 voucher_pool_archived once archived."""
    pool = get_pool(session, pool_id=pool_id)
    if pool.status == "archived":
        raise VoucherPoolArchived("An archived pool takes no new codes")
    return pool


def insert_codes(session: Session, *, pool: VoucherPool, codes: list[str]) -> int:
    """Insert normalised, valid codes into the pool, skipping any the tenant holds already (in this pool or
    another, or twice in `codes`); returns how many were inserted."""
    if not codes:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        return _copy_then_insert(session, pool=pool, codes=codes)
    return _insert_in_chunks(session, pool=pool, codes=codes)


def _copy_then_insert(session: Session, *, pool: VoucherPool, codes: list[str]) -> int:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING."""
    session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (id text, code text) "
                         "ON COMMIT DELETE ROWS"))
    session.execute(text(f"TRUNCATE {_STAGING}"))
    copy_into_staging(session, table=_STAGING, columns=("id", "code"),
                      rows=zip(new_ids("vch", len(codes)), codes, strict=True))
    return session.execute(text(f"""
        WITH inserted AS (
            INSERT INTO vouchers (tenant_id, id, pool_id, code, status, conflict, created_at)
            SELECT :tenant_id, staged.id, :pool_id, staged.code, 'available', false, :now FROM {_STAGING} AS staged
            ON CONFLICT (tenant_id, code) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM inserted
    """), {"tenant_id": require_tenant_id(), "pool_id": pool.id, "now": clock.now()}).scalar_one()


def _insert_in_chunks(session: Session, *, pool: VoucherPool, codes: list[str]) -> int:
    tenant_id, now = require_tenant_id(), clock.now()
    inserted = 0
    for start in range(0, len(codes), _PORTABLE_CHUNK):
        chunk = list(dict.fromkeys(codes[start:start + _PORTABLE_CHUNK]))
        rows = [{"tenant_id": tenant_id, "id": voucher_id, "pool_id": pool.id, "code": code, "status": "available",
                 "conflict": False, "created_at": now} for voucher_id, code in zip(new_ids("vch", len(chunk)), chunk,
                                                                                     strict=True)]
        inserted += insert_ignoring_conflicts(session, Voucher.__table__, rows, index_elements=["tenant_id", "code"])
    return inserted
