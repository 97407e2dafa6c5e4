"""Loyalty's refusals, in one leaf module (it imports nothing of loyalty).

The capabilities raise them; the checkout facade (loyalty/checkout.py) re-exports the three that
checkout can meet, so the shop keeps one import and no part of loyalty ever imports the facade.
"""

from core.errors import DomainError


class CouponNotApplicable(DomainError):
    status, reason = 409, "coupon_not_applicable"
    message = "This coupon cannot be used on this order"


class InsufficientPoints(DomainError):
    status, reason = 409, "insufficient_points"
    message = "Not enough points"


class PointsLimitExceeded(DomainError):
    status, reason = 409, "points_limit_exceeded"
    message = "More points than this order allows"


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
