"""Referrals: binding at login, qualification on the invitee's first real order, rewards, and reading."""

from loyalty.referrals.service.binding import bind_at_login
from loyalty.referrals.service.qualifying import record_order_final, record_order_paid, record_order_placed
from loyalty.referrals.service.reading import (
    get_referral,
    list_for_inviter,
    list_referrals,
    report,
    summary_for_inviter,
)
from loyalty.referrals.service.rewarding import reward

__all__ = [
    "bind_at_login", "get_referral", "list_for_inviter", "list_referrals", "record_order_final",
    "record_order_paid", "record_order_placed", "report", "reward", "summary_for_inviter",
]
