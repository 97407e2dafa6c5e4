"""Finance's refusals, each with its contract reason."""

from core.errors import DomainError


class BelowMinimumWithdrawal(DomainError):
    status, reason = 409, "below_minimum_withdrawal"
    message = "The amount is below the shop's minimum withdrawal"


class InsufficientBalance(DomainError):
    status, reason = 409, "insufficient_balance"
    message = "The amount is more than the available balance"


class PayoutAccountMissing(DomainError):
    status, reason = 409, "payout_account_missing"
    message = "Register a Stripe account (acct_…) to be paid before withdrawing"


class PayoutProviderNotConfigured(DomainError):
    status, reason = 409, "payout_provider_not_configured"
    message = "Stripe Connect payouts need Stripe credentials (the shop's own or the platform's)"
