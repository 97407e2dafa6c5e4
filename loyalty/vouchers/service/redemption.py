"""Redeeming a code exactly once, by any channel: store staff (lookup, verify, reverse), checkout (lock,
redeem on payment, release on cancellation) and the platform (loyalty/vouchers/service/notices.py).

Every redemption is one UPDATE guarded on the status the code must be in; whoever's guard matches first
redeems it, and every other channel is refused (or, for a platform, records a conflict).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from core import clock, jobs
from core.errors import DomainError, InvalidState, NotFound
from loyalty.vouchers import guessing, rules
from loyalty.vouchers.errors import (
    REFUSALS,
    ReverseWindowClosed,
    VoucherAlreadyRedeemed,
    VoucherLocked,
    VoucherNotApplicable,
    VoucherNotFound,
)
from loyalty.vouchers.models import Voucher
from loyalty.vouchers.platforms import adapter_for
from loyalty.vouchers.settings import voucher_rules


def lookup(session: Session, *, code: str, credential: str) -> Voucher:
    """The voucher with this code, whatever its status; changes nothing (an unknown code counts as a guess)."""
    guessing.refuse_if_blocked(session, credential=credential)
    return _find(session, code=code, credential=credential)


def verify(session: Session, *, code: str, credential: str, key_id: str | None, location: str | None) -> Voucher:
    """Redeem a code in store: 409 with the reason when it is not redeemable now."""
    guessing.refuse_if_blocked(session, credential=credential)
    voucher = _find(session, code=code, credential=credential)
    now = clock.now()
    refusal = refusal_for(voucher, now)
    if refusal is not None:
        raise refusal
    # Two cashiers may verify one code at once, or a platform report it meanwhile: the status the code
    # must be in, not the read above, decides who redeems it.
    redeemed = session.execute(
        update(Voucher).where(Voucher.id == voucher.id, Voucher.status == voucher.pool.redeemable_status)
        .values(status="redeemed", redeemed_at=now, redeemed_via="store", redeemed_by=key_id, location=location)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not redeemed:
        session.refresh(voucher)
        raise refusal_for(voucher, now) or VoucherAlreadyRedeemed()
    confirm_at_platform_later(session, voucher=voucher)
    return voucher


def reverse(session: Session, *, voucher_id: str) -> Voucher:
    """Undo a store redemption within `reverse_window_minutes`; the voucher is back as it was before it."""
    # The row lock orders a reversal against the job that confirms this redemption at the platform: one of
    # the two sees what the other did, and the platform's verification is taken back either way.
    voucher = session.scalars(
        select(Voucher).where(Voucher.id == voucher_id).with_for_update(of=Voucher)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if voucher is None:
        raise NotFound("No such voucher")
    if voucher.status != "redeemed" or voucher.redeemed_via != "store":
        raise InvalidState("Only a redemption made in store can be reversed")
    deadline = reverse_deadline(session, voucher=voucher)
    if deadline is None or clock.now() >= deadline:
        window = voucher_rules(session)["reverse_window_minutes"]
        raise ReverseWindowClosed(f"Store redemptions can be reversed within {window} minutes")
    receipt = (voucher.platform_certificate_id, voucher.platform_verify_id)
    reversed_ = session.execute(
        update(Voucher)
        .where(Voucher.id == voucher.id, Voucher.status == "redeemed", Voucher.redeemed_via == "store",
               Voucher.redeemed_at == voucher.redeemed_at)
        .values(status="issued" if voucher.customer_id else "available", redeemed_at=None, redeemed_via=None,
                redeemed_by=None, location=None, platform_certificate_id=None, platform_verify_id=None,
                platform_synced_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not reversed_:  # only where row locks are not taken (SQLite): someone else changed it meanwhile
        raise InvalidState("This voucher changed meanwhile; look it up again")
    if all(receipt):
        jobs.enqueue(session, "loyalty.vouchers.cancel_at_platform", key=f"voucher:{voucher.id}:cancel:{receipt[1]}",
                     pool_id=voucher.pool_id, certificate_id=receipt[0], verify_id=receipt[1])
    return voucher


def reverse_deadline(session: Session, *, voucher: Voucher) -> datetime | None:
    """Until when this voucher's redemption may be reversed: a store redemption, within the tenant's
    `reverse_window_minutes` (None for any other voucher, or where the window is 0)."""
    if voucher.status != "redeemed" or voucher.redeemed_via != "store" or voucher.redeemed_at is None:
        return None
    window = voucher_rules(session)["reverse_window_minutes"]
    return voucher.redeemed_at + timedelta(minutes=window) if window else None


def get_voucher(session: Session, *, voucher_id: str) -> Voucher:
    voucher = session.scalars(select(Voucher).where(Voucher.id == voucher_id)).one_or_none()
    if voucher is None:
        raise NotFound("No such voucher")
    return voucher


def refusal_for(voucher: Voucher, now: datetime) -> DomainError | None:
    """Why this code cannot be redeemed now, or None. Redeemed and held codes say so first; then the pool's
    state (archived, lapsed, not yet valid); then an issue pool's code nobody was given."""
    if voucher.status in ("redeemed", "locked"):
        return REFUSALS[voucher.status]()
    lapsed = voucher.pool.window_state(now)
    if voucher.status in ("void", "expired"):
        return REFUSALS[voucher.status]()
    if lapsed is not None:
        return REFUSALS[lapsed]()
    if voucher.status != voucher.pool.redeemable_status:
        return REFUSALS["not_issued"]()
    return None


def checkout_refusal(voucher: Voucher, *, now: datetime) -> DomainError | None:
    """Why this code cannot pay for this customer's order, or None. Usable: an accept pool's available code,
    or an issued code of an offline issue pool that this customer holds."""
    if voucher.pool.face_value is None:
        return VoucherNotApplicable("This voucher has no money value")
    if voucher.pool.direction == "issue" and voucher.pool.platform != "offline" and voucher.customer_id:
        return VoucherNotApplicable(f"This voucher is redeemed on {voucher.pool.platform} or in store")
    return refusal_for(voucher, now)


def find_for_checkout(session: Session, *, code: str, customer_id: str) -> Voucher:
    """The voucher a customer applies at checkout: another customer's code is as unknown as a missing one."""
    guessing.refuse_if_blocked(session, credential=customer_id)
    voucher = _find(session, code=code, credential=customer_id, holder=customer_id)
    refusal = checkout_refusal(voucher, now=clock.now())
    if refusal is not None:
        raise refusal
    return voucher


def lock_for_order(session: Session, *, voucher_id: str, customer_id: str, order_id: str) -> None:
    """available (an accepted code) or issued to this customer -> locked by her pending order."""
    # Two checkouts may race for one code (or a cashier verify it meanwhile): the prior status decides.
    locked = session.execute(
        update(Voucher)
        .where(Voucher.id == voucher_id,
               or_(and_(Voucher.status == "available", Voucher.customer_id.is_(None)),
                   and_(Voucher.status == "issued", Voucher.customer_id == customer_id)))
        .values(status="locked", order_id=order_id, locked_at=clock.now())
    ).rowcount
    if not locked:
        voucher = get_voucher(session, voucher_id=voucher_id)
        session.refresh(voucher)
        raise refusal_for(voucher, clock.now()) or VoucherLocked()


def redeem_for_order(session: Session, *, code: str, order_id: str) -> None:
    """locked -> redeemed: the order that locked it was paid (once, whatever the deliveries)."""
    now = clock.now()
    voucher_id = session.scalar(
        update(Voucher).where(Voucher.code == code, Voucher.order_id == order_id, Voucher.status == "locked")
        .values(status="redeemed", redeemed_at=now, redeemed_via="checkout").returning(Voucher.id)
    )
    if voucher_id is not None:
        confirm_at_platform_later(session, voucher=get_voucher(session, voucher_id=voucher_id))


def release_from_order(session: Session, *, code: str, order_id: str) -> None:
    """locked -> as it was: the order that locked it was cancelled before payment."""
    session.execute(
        update(Voucher).where(Voucher.code == code, Voucher.order_id == order_id, Voucher.status == "locked")
        .values(status=case((Voucher.customer_id.is_(None), "available"), else_="issued"), order_id=None,
                locked_at=None)
    )


def confirm_at_platform_later(session: Session, *, voucher: Voucher) -> None:
    """Where the pool's platform is told about redemptions (Douyin), a job reports this one after commit."""
    if not adapter_for(voucher.pool.platform).reports_redemptions:
        return
    redeemed_at = voucher.redeemed_at.isoformat()
    jobs.enqueue(session, "loyalty.vouchers.confirm_at_platform",
                 key=f"voucher:{voucher.id}:confirm:{voucher.redeemed_at.timestamp():.6f}",
                 voucher_id=voucher.id, redeemed_at=redeemed_at)


def _find(session: Session, *, code: str, credential: str, holder: str | None = None) -> Voucher:
    """The voucher with this code; VoucherNotFound (counted against the credential) otherwise. Every valid code
    is looked for, whatever its check character (an imported code may look like a generated one with a wrong
    one); the check character only explains a miss, as a likely typo."""
    normalized = rules.normalize(code)
    voucher = None
    if rules.format_problem(normalized) is None:
        voucher = session.scalars(select(Voucher).where(Voucher.code == normalized)).one_or_none()
    if voucher is not None and holder is not None and voucher.customer_id not in (None, holder):
        voucher = None
    if voucher is None:
        guessing.count_failure(credential=credential)
        raise VoucherNotFound(_MISTYPED if _looks_mistyped(normalized) else None)
    return voucher


_MISTYPED = "No such voucher code; it looks like one of our codes with a character mistyped: check it and try again"


def _looks_mistyped(normalized: str) -> bool:
    """Decided from the code alone, so it says the same whether or not another customer holds the code."""
    problem = rules.problem_with(normalized)
    return problem is not None and problem.reason == "check_character_mismatch"
