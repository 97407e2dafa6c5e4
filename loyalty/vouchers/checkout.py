"""The voucher part of the shop's checkout contract (re-exported by loyalty/checkout.py).

A voucher is usable at checkout when it is an accept pool's available code, or an issued code of an offline
issue pool held by the customer; it takes up to its face value off what is left after the coupon.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from loyalty.vouchers.service import redemption


@dataclass(frozen=True)
class VoucherTerms:
    """A voucher the customer may apply, as pricing needs it."""

    voucher_id: str
    code: str  # normalised
    face_value: int  # minor units


def voucher_for_checkout(session: Session, *, customer_id: str, code: str) -> VoucherTerms:
    """Terms of a code this customer may pay with now; else voucher_not_found (counted as a guess),
    voucher_not_applicable, or why it cannot be redeemed now (as for verification)."""
    voucher = redemption.find_for_checkout(session, code=code, customer_id=customer_id)
    return VoucherTerms(voucher_id=voucher.id, code=voucher.code, face_value=voucher.pool.face_value)


def lock_voucher_for_order(session: Session, *, voucher_id: str, customer_id: str, order_id: str) -> None:
    """Hold the code for a pending order; refused (voucher_locked, voucher_already_redeemed, …) if another
    checkout or a cashier got there first."""
    redemption.lock_for_order(session, voucher_id=voucher_id, customer_id=customer_id, order_id=order_id)
