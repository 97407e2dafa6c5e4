"""Loyalty's refusals. The two that checkout raises live in the shop contract (loyalty/checkout.py)."""

from core.errors import DomainError
from loyalty.checkout import CouponNotApplicable, InsufficientPoints, PointsLimitExceeded

__all__ = [
    "AlreadySignedIn", "CouponExpired", "CouponLimitReached", "CouponNotApplicable", "CouponSoldOut",
    "InsufficientPoints", "PointsLimitExceeded", "RewardLimitReached", "RewardSoldOut",
]


class AlreadySignedIn(DomainError):
    status, reason = 409, "already_signed_in"
    message = "Already signed in today"


class CouponSoldOut(DomainError):
    status, reason = 409, "coupon_sold_out"
    message = "No coupons of this template are left"


class CouponLimitReached(DomainError):
    status, reason = 409, "coupon_limit_reached"
    message = "This customer already holds as many coupons of this template as allowed"


class CouponExpired(DomainError):
    status, reason = 409, "coupon_expired"
    message = "This coupon template's validity window has ended"


class RewardSoldOut(DomainError):
    status, reason = 409, "reward_sold_out"
    message = "This reward is sold out"


class RewardLimitReached(DomainError):
    status, reason = 409, "reward_limit_reached"
    message = "This customer has exchanged this reward as many times as allowed"
