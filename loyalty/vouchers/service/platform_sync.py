"""Telling a platform about redemptions made here (Douyin: its verification), and taking them back.

Run by jobs, after the redemption committed, with retries: a platform that is down delays the report and
never the cashier. A report and a store reversal can cross; the voucher's row decides which came first:
- the reversal came first: the job finds the redemption gone and reports nothing;
- the job reached the platform first but the reversal committed before the job could record it: the job
  takes its own verification back at the platform;
- the job recorded it first: the reversal sees the platform's ids and asks for the cancellation.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock, jobs
from loyalty.vouchers.models import Voucher, VoucherPool
from loyalty.vouchers.platforms import adapter_for
from loyalty.vouchers.platforms.base import CodeNotRedeemableThere, Receipt

log = logging.getLogger("fission.vouchers.platforms")


def confirm_redemption(session: Session, *, voucher_id: str, redeemed_at: str) -> str:
    """Report the redemption made at `redeemed_at` to the platform, once; returns what happened."""
    when = datetime.fromisoformat(redeemed_at)
    voucher = session.scalars(select(Voucher).where(Voucher.id == voucher_id)).one_or_none()
    if voucher is None or voucher.status != "redeemed" or voucher.redeemed_at != when:
        return "reversed_meanwhile"
    if voucher.platform_verify_id is not None:
        return "already_confirmed"
    try:
        receipt = adapter_for(voucher.pool.platform).confirm_redemption(voucher.pool.platform_settings,
                                                                        code=voucher.code)
    except CodeNotRedeemableThere:
        # The platform holds no unused voucher for this code: it was used (or refunded) there as well.
        log.warning("voucher %s was redeemed here but is not redeemable at %s: conflict", voucher.id,
                    voucher.pool.platform)
        session.execute(update(Voucher).where(Voucher.id == voucher.id, Voucher.conflict.is_(False))
                        .values(conflict=True, conflict_at=clock.now()))
        return "conflict"
    recorded = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, Voucher.status == "redeemed", Voucher.redeemed_at == when)
        .values(platform_certificate_id=receipt.certificate_id, platform_verify_id=receipt.verify_id,
                platform_synced_at=clock.now())
    ).rowcount
    if not recorded:
        jobs.enqueue(session, "loyalty.vouchers.cancel_at_platform",
                     key=f"voucher:{voucher.id}:cancel:{receipt.verify_id}", pool_id=voucher.pool_id,
                     certificate_id=receipt.certificate_id, verify_id=receipt.verify_id)
        return "reversed_while_confirming"
    return "confirmed"


def cancel_redemption(session: Session, *, pool_id: str, certificate_id: str, verify_id: str) -> None:
    """Take a verification we made back at the pool's platform."""
    pool = session.scalars(select(VoucherPool).where(VoucherPool.id == pool_id)).one()
    adapter_for(pool.platform).cancel_redemption(pool.platform_settings,
                                                 receipt=Receipt(certificate_id=certificate_id, verify_id=verify_id))
