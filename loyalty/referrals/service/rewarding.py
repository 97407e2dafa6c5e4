"""Rewards of a qualified referral, given by a job: points through the points ledger, coupons through the
coupon service's issuing (within the template's limits), each exactly once per referral, side and kind."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.errors import NotFound
from core.tenancy import require_tenant_id
from loyalty.coupons import service as coupons
from loyalty.errors import CouponExpired, CouponLimitReached, CouponSoldOut
from loyalty.points import service as points
from loyalty.referrals.models import Referral, ReferralReward
from loyalty.settings import loyalty_rules

# What came of a coupon the coupon service refused, recorded instead of failing (the referral stays earned).
_REFUSALS = {CouponSoldOut: "sold_out", CouponLimitReached: "limit_reached", CouponExpired: "expired",
             NotFound: "template_missing"}


def reward(session: Session, *, referral_id: str) -> None:
    """Give a qualified referral's rewards to both sides (a capped one's to the invitee only); safe to run twice."""
    referral = session.scalars(select(Referral).where(Referral.id == referral_id)).one_or_none()
    if referral is None or referral.status == "pending":
        return
    terms = referral.terms or {}
    sides = [("invitee", referral.invitee_id)]
    if referral.status == "qualified":
        sides.insert(0, ("inviter", referral.inviter_id))
    for side, customer_id in sides:
        if terms.get(f"{side}_points"):
            _give_points(session, referral, side=side, customer_id=customer_id, amount=terms[f"{side}_points"])
        if terms.get(f"{side}_coupon_template_id"):
            _give_coupon(session, referral, side=side, customer_id=customer_id,
                         template_id=terms[f"{side}_coupon_template_id"])
    session.execute(update(Referral).where(Referral.id == referral.id, Referral.rewarded_at.is_(None))
                    .values(rewarded_at=clock.now()).execution_options(synchronize_session=False))


def _claim(session: Session, referral: Referral, *, side: str, kind: str, customer_id: str, **values) -> bool:
    """Record that this reward is being given; False if it was given before. Two runs of the job at once:
    the primary key decides (the second insert waits for the first transaction, then does nothing)."""
    return bool(insert_ignoring_conflicts(
        session, ReferralReward.__table__,
        {"tenant_id": require_tenant_id(), "referral_id": referral.id, "side": side, "kind": kind,
         "customer_id": customer_id, "points": 0, "status": "issued", "created_at": clock.now(), **values},
        index_elements=["tenant_id", "referral_id", "side", "kind"],
    ))


def _give_points(session: Session, referral: Referral, *, side: str, customer_id: str, amount: int) -> None:
    if not _claim(session, referral, side=side, kind="points", customer_id=customer_id, points=amount):
        return
    # A credit like any other: pending for `points_pending_days`, expiring by the tenant's rule; its own
    # source, so the ledger itself refuses a second one.
    points.credit(session, customer_id=customer_id, kind="referral", points=amount,
                  source=f"referral:{referral.id}:{side}", pending_days=loyalty_rules(session)["points_pending_days"])


def _give_coupon(session: Session, referral: Referral, *, side: str, customer_id: str, template_id: str) -> None:
    if not _claim(session, referral, side=side, kind="coupon", customer_id=customer_id,
                  coupon_template_id=template_id):
        return
    try:
        with session.begin_nested():  # a refusal undoes only the coupon service's own counters
            template = coupons.get_template(session, template_id=template_id)
            coupon = coupons.issue(session, template=template, customer_id=customer_id, source="referral")
    except tuple(_REFUSALS) as refusal:
        outcome = {"status": _REFUSALS[type(refusal)]}
    else:
        outcome = {"coupon_id": coupon.id}
    session.execute(
        update(ReferralReward).where(ReferralReward.referral_id == referral.id, ReferralReward.side == side,
                                     ReferralReward.kind == "coupon")
        .values(**outcome).execution_options(synchronize_session=False)
    )
