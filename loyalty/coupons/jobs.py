"""Coupon background work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.jobs import periodic
from loyalty.coupons import service as coupons


@periodic("loyalty.coupons.expire", every=timedelta(hours=1))
def expire_coupons(session: Session) -> None:
    """Record as expired this tenant's available coupons whose window has passed (reads already treat
    them as expired; this keeps the stored status and indexes honest)."""
    coupons.expire_lapsed(session)
