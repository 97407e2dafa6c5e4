"""Reading vouchers: a pool's codes, a customer's vouchers, and the finance report.

Listed by status as of now: a code still in play (available, issued) in an archived pool is void, past its
pool's `valid_until` expired, whether or not the hourly job has recorded it yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.pagination import paginate
from loyalty.vouchers.models import Voucher, VoucherPool
from loyalty.vouchers.service.pools import all_pools, counts_of, get_pool


def list_pool_vouchers(session: Session, *, pool_id: str, status: str | None, limit: int,
                       starting_after: str | None) -> Page:
    """A pool's codes, newest first, optionally by status as of now."""
    pool = get_pool(session, pool_id=pool_id)
    query = select(Voucher).where(Voucher.pool_id == pool.id)
    if status is not None:
        query = query.join(Voucher.pool).where(_has_status(status, clock.now()))
    return paginate(session, query, id_column=Voucher.id, limit=limit, starting_after=starting_after)


def list_customer_vouchers(session: Session, *, customer_id: str, status: str | None, limit: int,
                           starting_after: str | None) -> Page:
    """The vouchers handed to a customer, newest first, optionally by status as of now."""
    query = select(Voucher).join(Voucher.pool).where(Voucher.customer_id == customer_id)
    if status is not None:
        query = query.where(_has_status(status, clock.now()))
    return paginate(session, query, id_column=Voucher.id, limit=limit, starting_after=starting_after)


def redeemed_between(session: Session, *, start: datetime, end: datetime) -> dict:
    """Codes redeemed in [start, end) and still redeemed, by channel: `{total, store, checkout, platform}`."""
    rows = session.execute(
        select(Voucher.redeemed_via, func.count())
        .where(Voucher.status == "redeemed", Voucher.redeemed_at >= start, Voucher.redeemed_at < end)
        .group_by(Voucher.redeemed_via)
    ).all()
    counts = {"store": 0, "checkout": 0, "platform": 0}
    counts.update({channel: count for channel, count in rows if channel})
    return {"total": sum(counts.values()), **counts}


def voucher_report(session: Session) -> dict:
    """Every pool's codes by status, conflicts, and the face value still outstanding: issued codes of issue
    pools and available codes of accept pools (what customers may still redeem) times the face value."""
    pools = all_pools(session)
    counts = counts_of(session, pool_ids=[pool.id for pool in pools])
    rows = []
    for pool in pools:
        count = counts[pool.id]
        redeemable = count["issued"] if pool.direction == "issue" else count["available"]
        rows.append({
            "id": pool.id, "name": pool.name, "platform": pool.platform, "direction": pool.direction,
            "face_value": pool.face_value, "currency": pool.currency,
            **{name: count[name] for name in ("total", "available", "issued", "locked", "redeemed", "expired",
                                              "void", "conflicts")},
            "outstanding_value": (pool.face_value or 0) * redeemable,
        })
    return {"pools": rows}


def _has_status(status: str, now: datetime):
    """A WHERE clause (over vouchers joined to their pool) for a status as of now."""
    in_play = Voucher.status.in_(("available", "issued"))
    archived = VoucherPool.status == "archived"
    ended = and_(VoucherPool.valid_until.is_not(None), VoucherPool.valid_until <= now)
    if status == "void":
        return or_(Voucher.status == "void", and_(in_play, archived))
    if status == "expired":
        return or_(Voucher.status == "expired", and_(in_play, ~archived, ended))
    if status in ("available", "issued"):
        return and_(Voucher.status == status, ~archived, ~ended)
    return Voucher.status == status
