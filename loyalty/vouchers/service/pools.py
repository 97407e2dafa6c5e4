"""Voucher pools: created with their platform, direction, face value and validity; edited; archived.

Counts come from the pool's vouchers (one GROUP BY over an index), with the pool's own state applied:
codes still in play in an archived pool count as void, past its `valid_until` as expired.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import marshmallow as ma
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import InvalidRequest, NotFound
from core.ids import new_id, random_token
from core.pagination import paginate
from core.tenancy import all_tenants, require_tenant_id
from loyalty.vouchers.models import STATUSES, Voucher, VoucherPool
from loyalty.vouchers.platforms import adapter_for
from tenants.platform.models import Tenant


def create_pool(session: Session, *, name: str, platform: str, direction: str, face_value: int | None = None,
                description: str | None = None, valid_from: datetime | None = None,
                valid_until: datetime | None = None, platform_settings: dict | None = None) -> VoucherPool:
    """A new, empty pool; its callback secret is on the returned pool, and shown only this once."""
    _check_window(valid_from, valid_until)
    pool = VoucherPool(
        id=new_id("vpl"), name=name, description=description, platform=platform, direction=direction,
        face_value=face_value, currency=session.get(Tenant, require_tenant_id()).currency, valid_from=valid_from,
        valid_until=valid_until, status="active", callback_secret="vsec_" + random_token(32),
        platform_settings=_checked_settings(platform, {}, platform_settings or {}), created_at=clock.now(),
    )
    session.add(pool)
    session.flush()
    pool.counts = _empty_counts()
    return pool


def update_pool(session: Session, *, pool_id: str, **changes) -> VoucherPool:
    """Rename, describe, move `valid_until`, merge platform settings, or archive (for good)."""
    pool = get_pool(session, pool_id=pool_id)
    if "valid_until" in changes:
        _check_window(pool.valid_from, changes["valid_until"])
        pool.valid_until = changes["valid_until"]
    if "platform_settings" in changes:
        pool.platform_settings = _checked_settings(pool.platform, pool.platform_settings,
                                                   changes["platform_settings"] or {})
    for field in ("name", "description"):
        if field in changes:
            setattr(pool, field, changes[field])
    if changes.get("status") == "archived" and pool.status != "archived":
        pool.status, pool.archived_at = "archived", clock.now()
    session.flush()
    pool.counts = counts_of(session, pool_ids=[pool.id])[pool.id]
    return pool


def get_pool(session: Session, *, pool_id: str, with_counts: bool = False) -> VoucherPool:
    """One pool of the tenant (404 otherwise)."""
    pool = session.scalars(select(VoucherPool).where(VoucherPool.id == pool_id)).one_or_none()
    if pool is None:
        raise NotFound("No such voucher pool")
    if with_counts:
        pool.counts = counts_of(session, pool_ids=[pool.id])[pool.id]
    return pool


def list_pools(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's pools, newest first, with their counts."""
    page = paginate(session, select(VoucherPool), id_column=VoucherPool.id, limit=limit,
                    starting_after=starting_after)
    counts = counts_of(session, pool_ids=[pool.id for pool in page.data])
    for pool in page.data:
        pool.counts = counts[pool.id]
    return page


def settings_fields(*, platform: str) -> list[dict]:
    """The settings a platform's pools take (its adapter's): `{name, secret, description}` each."""
    return [{"name": name, "secret": bool(field.metadata.get("write_only")),
             "description": field.metadata.get("description")}
            for name, field in adapter_for(platform).settings_schema().fields.items()]


def shown_settings(pool: VoucherPool) -> dict:
    """A pool's platform settings as they may be shown: secrets only as whether they are set (`<name>_set`)."""
    return adapter_for(pool.platform).public_settings(pool.platform_settings or {})


def all_pools(session: Session) -> list[VoucherPool]:
    """Every pool of the tenant, oldest first (a tenant has a handful, never thousands)."""
    return list(session.scalars(select(VoucherPool).order_by(VoucherPool.id)))


def tenant_of_pool(session: Session, *, pool_id: str) -> str | None:
    """Whose pool this is. Deliberately across tenants: a platform's callback and the import command name
    only the pool, and the pool is what tells us the tenant."""
    with all_tenants():
        return session.scalar(select(VoucherPool.tenant_id).where(VoucherPool.id == pool_id))


def counts_of(session: Session, *, pool_ids: list[str]) -> dict[str, dict]:
    """Each pool's codes by status as of now, and how many carry a conflict."""
    if not pool_ids:
        return {}
    pools = {pool.id: pool for pool in session.scalars(select(VoucherPool).where(VoucherPool.id.in_(pool_ids)))}
    counts = {pool_id: _empty_counts() for pool_id in pool_ids}
    rows = session.execute(
        select(Voucher.pool_id, Voucher.status, func.count(),
               func.sum(case((Voucher.conflict.is_(True), 1), else_=0)))
        .where(Voucher.pool_id.in_(pool_ids)).group_by(Voucher.pool_id, Voucher.status)
    ).all()
    now = clock.now()
    for pool_id, status, count, conflicts in rows:
        shown = status
        if status in ("available", "issued"):
            lapsed = pools[pool_id].window_state(now)
            shown = lapsed if lapsed in ("void", "expired") else status
        counts[pool_id][shown] += count
        counts[pool_id]["total"] += count
        counts[pool_id]["conflicts"] += int(conflicts or 0)
    return counts


def _empty_counts() -> dict:
    return defaultdict(int, {"total": 0, **{status: 0 for status in STATUSES}, "conflicts": 0})


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_until is None:
        return
    if valid_until <= clock.now():
        raise InvalidRequest("valid_until must be in the future",
                             errors={"json": {"valid_until": ["Must be in the future."]}})
    if valid_from is not None and valid_until <= valid_from:
        raise InvalidRequest("valid_until must be after valid_from",
                             errors={"json": {"valid_until": ["Must be after valid_from."]}})


def _checked_settings(platform: str, current: dict, patch: dict) -> dict:
    """The pool's platform settings with `patch` merged in, validated by its adapter (422 otherwise).
    Secrets left out of a patch keep their stored value; stored is the merged input, read through the schema."""
    schema = adapter_for(platform).settings_schema()
    merged = {**current, **patch}
    try:
        schema.load(merged)
    except ma.ValidationError as error:
        raise InvalidRequest("Invalid platform settings",
                             errors={"json": {"platform_settings": error.messages}}) from error
    return merged
