"""Voucher background work: recording lapsed codes hourly, reporting redemptions to platforms, and importing
uploaded files of codes a batch at a time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import clock
from core.jobs import enqueue, job, periodic
from loyalty.vouchers import guessing
from loyalty.vouchers.service import expiry, imports, platform_sync

EXPIRY_BATCH = 10_000


@periodic("loyalty.vouchers.expire", every=timedelta(hours=1))
def expire_vouchers(session: Session, *, batch: int = EXPIRY_BATCH) -> None:
    """Record this tenant's codes of lapsed pools as expired (archived pools': void), a batch per run; a full
    batch asks for a follow-up in its own transaction. Also forgets failed lookups that left their window."""
    if expiry.record_lapsed(session, now=clock.now(), limit=batch) == batch:
        enqueue(session, "loyalty.vouchers.expire", batch=batch)
    guessing.purge_old_guesses(session)


@job("loyalty.vouchers.confirm_at_platform")
def confirm_at_platform(session: Session, *, voucher_id: str, redeemed_at: str) -> None:
    """Tell the pool's platform (Douyin) about a redemption made here."""
    platform_sync.confirm_redemption(session, voucher_id=voucher_id, redeemed_at=redeemed_at)


@job("loyalty.vouchers.cancel_at_platform")
def cancel_at_platform(session: Session, *, pool_id: str, certificate_id: str, verify_id: str) -> None:
    """Take back, at the pool's platform, a verification whose redemption was reversed here."""
    platform_sync.cancel_redemption(session, pool_id=pool_id, certificate_id=certificate_id, verify_id=verify_id)


@job(imports.JOB)
def import_batch(session: Session, *, import_id: str, batch: int = imports.BATCH) -> None:
    """Import the next batch of an uploaded file of codes (each batch its own transaction, so progress shows)."""
    imports.import_batch(session, import_id=import_id, batch=batch)
