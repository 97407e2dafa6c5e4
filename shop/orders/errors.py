"""Refusals of the orders capability, each with its stable reason."""

from core.errors import DomainError


class RefundExceedsPaid(DomainError):
    status, reason = 409, "refund_exceeds_paid"
    message = "This refund is more than what is left of the payment"


class GroupNotFormed(DomainError):
    status, reason = 409, "group_not_formed"
    message = "This order's group-buy group has not succeeded yet"
