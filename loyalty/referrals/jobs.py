"""Referral background work: rewarding a referral that qualified."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import jobs
from loyalty.referrals import service as referrals
from loyalty.referrals.service.qualifying import REWARD_JOB


@jobs.job(REWARD_JOB)
def reward_referral(session: Session, *, referral_id: str) -> None:
    """Give a qualified referral's points and coupons, once (unique keys on every reward)."""
    referrals.reward(session, referral_id=referral_id)
