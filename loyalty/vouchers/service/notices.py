"""What a platform tells us about its vouchers: each event applied once, never a second redemption.

- redeemed: a code still in play here (available, issued, even expired or void: the platform is the
  authority on what happened there) is redeemed `via platform`. A code already redeemed here, or held by
  an unpaid order, is not redeemed again: the voucher is marked `conflict` for someone to look at. Our own
  redemption reported back (Douyin tells us about the verification our job made) changes nothing. Only a
  platform's own notification (`source` is the platform's name) can be that echo; the generic callback
  (`source` "callback") never is, so there a code redeemed here is always a conflict, on every platform.
- reversed: a platform redemption is undone; one that was recorded as a conflict is cleared.
- refunded (Douyin): the buyer got her money back there, so a code still in play is void.
An event for a code the pool does not hold is acknowledged and has no effect.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.tenancy import require_tenant_id
from loyalty.vouchers.models import Voucher, VoucherEvent, VoucherPool
from loyalty.vouchers.platforms import adapter_for
from loyalty.vouchers.platforms.base import Notice

_IN_PLAY = ("available", "issued", "expired", "void")


def apply(session: Session, *, pool: VoucherPool, notice: Notice, source: str) -> str:
    """Apply a platform's event once (its id is recorded in this transaction); returns what it did."""
    event_key = f"{source}:{notice.event_id}"
    first = insert_ignoring_conflicts(session, VoucherEvent.__table__, {
        "tenant_id": require_tenant_id(), "pool_id": pool.id, "event_id": event_key, "type": notice.action,
        "code": notice.code, "outcome": "received", "received_at": clock.now()}, index_elements=[
        "tenant_id", "pool_id", "event_id"])
    if not first:
        return "replayed"
    voucher = _voucher_named(session, pool=pool, notice=notice)
    if voucher is None:
        outcome = "unknown_code"
    elif notice.action == "redeemed":
        outcome = _redeemed_there(session, pool=pool, voucher=voucher, notice=notice,
                                  own_channel=source == pool.platform)
    elif notice.action == "reversed":
        outcome = _reversed_there(session, voucher=voucher, notice=notice)
    elif notice.action == "refunded":
        outcome = _refunded_there(session, voucher=voucher)
    else:
        outcome = "ignored"
    session.execute(update(VoucherEvent).where(VoucherEvent.pool_id == pool.id, VoucherEvent.event_id == event_key)
                    .values(outcome=outcome, voucher_id=voucher.id if voucher else None))
    return outcome


def _voucher_named(session: Session, *, pool: VoucherPool, notice: Notice) -> Voucher | None:
    if notice.code:
        match = Voucher.code == notice.code
    elif notice.certificate_id:
        match = Voucher.platform_certificate_id == notice.certificate_id
    else:
        return None
    return session.scalars(select(Voucher).where(Voucher.pool_id == pool.id, match)).one_or_none()


def _redeemed_there(session: Session, *, pool: VoucherPool, voucher: Voucher, notice: Notice,
                    own_channel: bool) -> str:
    if _is_our_verification(voucher, notice):
        return "own_redemption"  # the platform reporting the verification our job made
    # A platform's report may race a cashier or a checkout for the same code: the status decides.
    redeemed = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, Voucher.status.in_(_IN_PLAY))
        .values(status="redeemed", redeemed_via="platform", redeemed_at=min(notice.occurred_at, clock.now()),
                platform_certificate_id=notice.certificate_id, platform_verify_id=notice.verify_id)
    ).rowcount
    if redeemed:
        return "redeemed"
    session.refresh(voucher)
    if voucher.status == "redeemed" and voucher.redeemed_via == "platform":
        return "already_redeemed"
    if _is_our_verification(voucher, notice):
        return "own_redemption"
    if (own_channel and voucher.status == "redeemed" and voucher.platform_verify_id is None
            and adapter_for(pool.platform).can_confirm(pool.platform_settings)):
        # Our job has yet to record its report of this redemption; the platform's own notification may be the
        # echo of it. The job decides: it finds the code unused there (ours) or used already (a conflict,
        # recorded then). A pool whose job cannot report (no credentials) has no echo to wait for.
        return "confirmation_pending"
    _mark_conflict(session, voucher)
    return "conflict"


def _reversed_there(session: Session, *, voucher: Voucher, notice: Notice) -> str:
    undone = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, Voucher.status == "redeemed",
                              Voucher.redeemed_via == "platform")
        .values(status="issued" if voucher.customer_id else "available", redeemed_at=None, redeemed_via=None,
                platform_certificate_id=None, platform_verify_id=None)
    ).rowcount
    if undone:
        return "reversed"
    session.refresh(voucher)
    if _is_our_verification(voucher, notice):
        # Our verification was taken back at the platform, not by us: the two sides disagree now.
        _mark_conflict(session, voucher)
        return "conflict"
    cleared = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, Voucher.conflict.is_(True))
        .values(conflict=False, conflict_at=None)
    ).rowcount
    return "conflict_cleared" if cleared else "no_effect"


def _is_our_verification(voucher: Voucher, notice: Notice) -> bool:
    """The notice is about the verification our job made of this redemption (a certificate is verified once
    at a time, and a reversal here forgets our ids, so the same certificate means the same verification)."""
    return (voucher.status == "redeemed" and voucher.redeemed_via != "platform"
            and voucher.platform_certificate_id is not None
            and notice.certificate_id == voucher.platform_certificate_id)


def _refunded_there(session: Session, *, voucher: Voucher) -> str:
    voided = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, or_(Voucher.status == "available",
                                                            Voucher.status == "issued"))
        .values(status="void", voided_at=clock.now())
    ).rowcount
    if voided:
        return "voided"
    session.refresh(voucher)
    if voucher.status in ("redeemed", "locked") and voucher.redeemed_via != "platform":
        _mark_conflict(session, voucher)
        return "conflict"
    return "no_effect"


def _mark_conflict(session: Session, voucher: Voucher) -> None:
    session.execute(update(Voucher).where(Voucher.id == voucher.id, Voucher.conflict.is_(False))
                    .values(conflict=True, conflict_at=clock.now()))
