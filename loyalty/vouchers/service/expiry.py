"""Recording lapsed codes: set-based, a batch per statement, one tenant at a time.

Reads already treat a code still in play in a lapsed pool as expired (or, archived, void); this keeps the
stored status honest for lists and indexes. A batch is two statements: its codes chosen `FOR UPDATE SKIP
LOCKED` (codes a redemption holds are left for the next run), then updated by id. Not one `UPDATE … WHERE id
IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`: PostgreSQL may run that subquery again for every row it
updates, and each run skips the rows the statement already changed, so the limit would not hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty.vouchers.models import Voucher, VoucherPool

_IN_PLAY = ("available", "issued")


def record_lapsed(session: Session, *, now: datetime, limit: int) -> int:
    """Mark up to `limit` codes of archived pools void and of pools past `valid_until` expired; returns how
    many were marked."""
    archived = select(VoucherPool.id).where(VoucherPool.status == "archived")
    ended = select(VoucherPool.id).where(VoucherPool.status == "active", VoucherPool.valid_until <= now)
    marked = _mark(session, pools=archived, limit=limit, values={"status": "void", "voided_at": now})
    if marked < limit:
        marked += _mark(session, pools=ended, limit=limit - marked, values={"status": "expired", "expired_at": now})
    return marked


def _mark(session: Session, *, pools, limit: int, values: dict) -> int:
    batch = list(session.scalars(
        select(Voucher.id).where(Voucher.pool_id.in_(pools.scalar_subquery()), Voucher.status.in_(_IN_PLAY))
        .limit(limit).with_for_update(skip_locked=True)
    ))
    if not batch:
        return 0
    return session.execute(
        update(Voucher).where(Voucher.id.in_(batch), Voucher.status.in_(_IN_PLAY)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
