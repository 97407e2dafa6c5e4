"""A customer's coupons through their life: listed, locked by checkout, used, released, expired, voided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core import clock
from core.api import Page
from core.errors import InvalidState, NotFound
from core.pagination import paginate
from core.tenancy import require_tenant_id
from loyalty.coupons.models import Coupon
from loyalty.coupons.rules import usable
from loyalty.errors import CouponNotApplicable


def list_coupons(session: Session, *, customer_id: str, status: str | None, limit: int,
                 starting_after: str | None) -> Page:
    """The customer's coupons, newest first, by status as of now (an available coupon whose window
    has passed is listed as expired even before the expiry job records it)."""
    now = clock.now()
    lapsed = (Coupon.status == "available") & Coupon.valid_until.is_not(None) & (Coupon.valid_until <= now)
    query = select(Coupon).where(Coupon.customer_id == customer_id)
    if status == "available":
        query = query.where(Coupon.status == "available", ~lapsed)
    elif status == "expired":
        query = query.where((Coupon.status == "expired") | lapsed)
    elif status is not None:
        query = query.where(Coupon.status == status)
    return paginate(session, query, id_column=Coupon.id, limit=limit, starting_after=starting_after)


def usable_coupon(session: Session, *, customer_id: str, coupon_id: str) -> Coupon:
    """The customer's coupon if it is available and inside its window now; else CouponNotApplicable."""
    now = clock.now()
    coupon = session.scalars(
        select(Coupon).where(Coupon.id == coupon_id, Coupon.customer_id == customer_id)
    ).one_or_none()
    if coupon is None or coupon.status_at(now) != "available" or not usable(
            now=now, valid_from=coupon.valid_from, valid_until=coupon.valid_until):
        raise CouponNotApplicable()
    return coupon


def lock_for_order(session: Session, *, customer_id: str, coupon_id: str, order_id: str) -> None:
    """available -> locked by a pending order; CouponNotApplicable if it is not (any more)."""
    now = clock.now()
    # Two checkouts may race for the same coupon: the prior state, not a read, decides which one locks it.
    locked = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.customer_id == customer_id, Coupon.status == "available",
               Coupon.valid_from.is_(None) | (Coupon.valid_from <= now),
               Coupon.valid_until.is_(None) | (Coupon.valid_until > now))
        .values(status="locked", order_id=order_id, locked_at=now)
    ).rowcount
    if not locked:
        raise CouponNotApplicable()


# `lock_for_order`'s guarded update as a CTE named `coupon_locked` (returning the coupon's id if it moved), for a
# statement that holds more for the same order (the checkout facade's coupon-and-points statement, PostgreSQL).
# The same guard, so the same race is decided the same way; binds :tenant_id (the tenancy hook checks it),
# :coupon_id, :customer_id, :order_id and :now. `locked_in_session` then does what the ORM's update did.
LOCK_FOR_ORDER_CTE = """coupon_locked AS (
    UPDATE coupons SET status = 'locked', order_id = :order_id, locked_at = :now
    WHERE tenant_id = :tenant_id AND id = :coupon_id AND customer_id = :customer_id AND status = 'available'
      AND (valid_from IS NULL OR valid_from <= :now) AND (valid_until IS NULL OR valid_until > :now)
    RETURNING id
), """


def locked_in_session(session: Session, *, coupon_id: str, order_id: str, locked_at: datetime) -> None:
    """The session's copy of a coupon locked by `LOCK_FOR_ORDER_CTE` (if it has one) shows the lock, as after
    `lock_for_order` (whose ORM update keeps it in step), without a query."""
    coupon = session.identity_map.get(identity_key(Coupon, (require_tenant_id(), coupon_id)))
    if coupon is not None:
        for name, value in {"status": "locked", "order_id": order_id, "locked_at": locked_at}.items():
            set_committed_value(coupon, name, value)


def use_for_order(session: Session, *, coupon_id: str, order_id: str) -> None:
    """locked -> used: the order that locked it was paid (once, whatever the deliveries)."""
    # "fetch": a coupon this session holds learns its new state from the UPDATE's RETURNING; the default
    # ("auto") compiled an evaluator of the WHERE on every call, at more cost than the statement (every paid
    # order with a coupon runs this).
    session.execute(
        update(Coupon).where(Coupon.id == coupon_id, Coupon.order_id == order_id, Coupon.status == "locked")
        .values(status="used", used_at=clock.now()).execution_options(synchronize_session="fetch")
    )


def release_from_order(session: Session, *, coupon_id: str, order_id: str) -> None:
    """locked -> available: the order that locked it was cancelled before payment."""
    session.execute(
        update(Coupon).where(Coupon.id == coupon_id, Coupon.order_id == order_id, Coupon.status == "locked")
        .values(status="available", order_id=None, locked_at=None)
    )


def expire_lapsed(session: Session) -> int:
    """Record as expired the available coupons whose window has passed; returns how many."""
    now = clock.now()
    return session.execute(
        update(Coupon).where(Coupon.status == "available", Coupon.valid_until <= now)
        .values(status="expired", expired_at=now)
    ).rowcount


def void(session: Session, *, coupon_id: str) -> Coupon:
    """Withdraw an available coupon; one that is locked, used, expired or void already is 409 invalid_state."""
    now = clock.now()
    voided = session.execute(
        update(Coupon).where(Coupon.id == coupon_id, Coupon.status == "available",
                             Coupon.valid_until.is_(None) | (Coupon.valid_until > now))
        .values(status="void", voided_at=now)
    ).rowcount
    coupon = session.scalars(
        select(Coupon).where(Coupon.id == coupon_id).execution_options(populate_existing=True)
    ).one_or_none()
    if coupon is None:
        raise NotFound("No such coupon")
    if not voided:
        raise InvalidState(f"A {coupon.status_at(now)} coupon cannot be voided")
    return coupon
