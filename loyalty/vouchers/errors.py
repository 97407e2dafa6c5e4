"""Voucher refusals, each with the `reason` API.md names."""

from __future__ import annotations

from core.errors import DomainError


class VoucherNotFound(DomainError):
    status, reason = 404, "voucher_not_found"
    message = "No such voucher code"


class VoucherAlreadyRedeemed(DomainError):
    status, reason = 409, "voucher_already_redeemed"
    message = "This voucher has already been redeemed"


class VoucherLocked(DomainError):
    status, reason = 409, "voucher_locked"
    message = "This voucher is held by an order awaiting payment"


class VoucherExpired(DomainError):
    status, reason = 409, "voucher_expired"
    message = "This voucher has expired"


class VoucherNotYetValid(DomainError):
    status, reason = 409, "voucher_not_yet_valid"
    message = "This voucher is not valid yet"


class VoucherVoid(DomainError):
    status, reason = 409, "voucher_void"
    message = "This voucher is void"


class VoucherNotIssued(DomainError):
    status, reason = 409, "voucher_not_issued"
    message = "This voucher was never handed to a customer"


class VoucherNotApplicable(DomainError):
    status, reason = 409, "voucher_not_applicable"
    message = "This voucher cannot be used on an order"


class VoucherPoolExhausted(DomainError):
    status, reason = 409, "voucher_pool_exhausted"
    message = "Not enough codes are left in this pool"


class VoucherPoolArchived(DomainError):
    status, reason = 409, "voucher_pool_archived"
    message = "This voucher pool is archived"


class ReverseWindowClosed(DomainError):
    status, reason = 409, "reverse_window_closed"
    message = "This redemption can no longer be reversed"


class TooManyAttempts(DomainError):
    status, reason = 429, "too_many_attempts"
    message = "Too many unknown codes; try again later"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many unknown codes; try again in {retry_after} s")
        self.retry_after = retry_after

    def headers(self) -> dict:
        return {"Retry-After": str(self.retry_after)}


class InvalidSignature(DomainError):
    status, reason = 400, "invalid_signature"
    message = "The signature does not match this payload"


# Why a redemption was refused, by the state the code (or its pool) is in.
REFUSALS: dict[str, type[DomainError]] = {
    "redeemed": VoucherAlreadyRedeemed,
    "locked": VoucherLocked,
    "void": VoucherVoid,
    "expired": VoucherExpired,
    "not_yet_valid": VoucherNotYetValid,
    "not_issued": VoucherNotIssued,
}
