"""Handing codes of an issue pool to customers: by grant (one each, all or nothing) or in the points mall.

A code is handed out at most once, whatever the concurrency: codes are chosen `FOR UPDATE SKIP LOCKED`
(two hand-outs never wait on, nor take, the same row) and the update is still guarded on `available`.
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from core import clock
from core.errors import InvalidRequest, InvalidState, NotFound
from loyalty.vouchers.errors import VoucherExpired, VoucherPoolArchived, VoucherPoolExhausted
from loyalty.vouchers.models import Voucher, VoucherPool
from tenants.customers.models import Customer


def grant(session: Session, *, pool_id: str, customer_ids: list[str]) -> dict:
    """One code to each customer named who holds none of this pool yet: `{issued, skipped}`. All or nothing:
    409 voucher_pool_exhausted when fewer codes are left than customers to serve; unknown customers are 422."""
    # Grants of one pool queue on the pool's row, so two grants cannot both find a customer code-less and
    # serve her twice. Points-mall exchanges do not take this lock: they never ask who holds what.
    pool = pool_handing_out(session, pool_id=pool_id, lock=True)
    wanted = list(dict.fromkeys(customer_ids))
    known = set(session.scalars(select(Customer.id).where(Customer.id.in_(wanted))))
    unknown = {str(index): ["No such customer."] for index, customer_id in enumerate(customer_ids)
               if customer_id not in known}
    if unknown:
        raise InvalidRequest("Some customers are not customers of this shop",
                             errors={"json": {"customer_ids": unknown}})
    holders = set(session.scalars(
        select(Voucher.customer_id).where(Voucher.pool_id == pool.id, Voucher.customer_id.in_(wanted)).distinct()))
    to_serve = [customer_id for customer_id in wanted if customer_id not in holders]
    take_codes(session, pool=pool, customer_ids=to_serve, via="grant")
    return {"issued": len(to_serve), "skipped": len(wanted) - len(to_serve)}


def hand_out(session: Session, *, pool_id: str, customer_id: str, via: str) -> Voucher:
    """One code of the pool to one customer (the points mall); 409 voucher_pool_exhausted when none is left."""
    pool = pool_handing_out(session, pool_id=pool_id)
    [voucher_id] = take_codes(session, pool=pool, customer_ids=[customer_id], via=via)
    return session.scalars(select(Voucher).where(Voucher.id == voucher_id)).one()


def pool_handing_out(session: Session, *, pool_id: str, lock: bool = False) -> VoucherPool:
    """The pool, if it may hand out codes now: an active issue pool whose validity has not ended."""
    query = select(VoucherPool).where(VoucherPool.id == pool_id)
    pool = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if pool is None:
        raise NotFound("No such voucher pool")
    if pool.status == "archived":
        raise VoucherPoolArchived()
    if pool.direction != "issue":
        raise InvalidState("An accept pool's codes were sold elsewhere; only an issue pool hands out codes")
    if pool.window_state(clock.now()) == "expired":
        raise VoucherExpired("This pool's validity has ended; it hands out no more codes")
    return pool


def take_codes(session: Session, *, pool: VoucherPool, customer_ids: list[str], via: str) -> list[str]:
    """Issue one available code to each customer, or none at all (VoucherPoolExhausted); returns their ids."""
    if not customer_ids:
        return []
    # Hand-outs race for the last codes: each locks the rows it chooses and skips rows others hold, so no
    # code is chosen twice and nobody waits; too few left means this hand-out takes none.
    chosen = list(session.scalars(
        select(Voucher.id).where(Voucher.pool_id == pool.id, Voucher.status == "available")
        .order_by(Voucher.id).limit(len(customer_ids)).with_for_update(skip_locked=True)
    ))
    if len(chosen) < len(customer_ids):
        raise VoucherPoolExhausted(f"{len(customer_ids)} codes needed, {len(chosen)} left")
    holder = dict(zip(chosen, customer_ids, strict=True))
    issued = session.execute(
        update(Voucher).where(Voucher.id.in_(chosen), Voucher.status == "available")
        .values(status="issued", customer_id=case(holder, value=Voucher.id), issued_via=via, issued_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if issued != len(chosen):
        # Only where the database has no row locks (SQLite): another hand-out took a chosen code first.
        raise VoucherPoolExhausted("Codes were taken meanwhile; try again")
    return chosen
