"""Withdrawals, the payout accounts they are paid to, and the Stripe transfers that paid them.

Balances are not here: they live in the ledger (shop/distribution/accounts.py names the accounts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_DISTRIBUTOR = (["tenant_id", "distributor_id"], ["distributors.tenant_id", "distributors.id"])

STATUSES = ("requested", "approved", "processing", "paid", "rejected", "failed")
METHODS = ("manual", "stripe_connect")
OPEN = ("requested", "approved", "processing")  # the amount sits in `withdrawing`


class PayoutAccount(TenantScoped, Base):
    """Where a distributor's Stripe Connect payouts go: its connected account (`acct_…`), one per distributor."""

    __tablename__ = "payout_accounts"
    __table_args__ = (ForeignKeyConstraint(*_DISTRIBUTOR),)

    distributor_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Withdrawal(TenantScoped, Base):
    """A distributor asking for some of its available balance, and what finance did with it.

    `requested -> approved -> paid` (manual: finance pays by hand and records its reference) or
    `requested -> processing -> paid | failed` (stripe_connect: a job makes the transfer); `requested` or a
    manual `approved` may be `rejected`. Every move is an UPDATE guarded on the prior status. The fee and net are
    fixed when it is requested, with the rate and method then in force, and so is the destination account.
    """

    __tablename__ = "withdrawals"
    __table_args__ = (
        ForeignKeyConstraint(*_DISTRIBUTOR),
        CheckConstraint("status IN ('requested', 'approved', 'processing', 'paid', 'rejected', 'failed')",
                        name="status_known"),
        CheckConstraint("method IN ('manual', 'stripe_connect')", name="method_known"),
        CheckConstraint("amount > 0 AND fee >= 0 AND net_amount > 0 AND net_amount = amount - fee",
                        name="amounts_add_up"),
        Index("ix_withdrawals_tenant_id_status_id", "tenant_id", "status", "id"),
        Index("ix_withdrawals_tenant_id_distributor_id_id", "tenant_id", "distributor_id", "id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    distributor_id: Mapped[str] = mapped_column(PublicId)
    amount: Mapped[int] = mapped_column(BigInteger)  # gross: what leaves `available`
    fee: Mapped[int] = mapped_column(BigInteger)
    net_amount: Mapped[int] = mapped_column(BigInteger)  # what reaches the distributor
    fee_rate: Mapped[str] = mapped_column(String(24))  # the tenant's withdrawal_fee_rate when it was requested
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str | None] = mapped_column(String(255))  # the connected account (stripe_connect)
    reference: Mapped[str | None] = mapped_column(String(200))  # the manual payout's bank reference
    transfer_id: Mapped[str | None] = mapped_column(String(255))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    failure_message: Mapped[str | None] = mapped_column(Text)
    # Who moved it: the API key (or console session's key) of the clerk, for the sign-off trail.
    approved_by: Mapped[str | None] = mapped_column(String(64))
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[str | None] = mapped_column(String(64))  # a manual payout's clerk; null when Stripe paid it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class Transfer(TenantScoped, Base):
    """A Stripe transfer as Stripe last told us about it: recorded when it paid a withdrawal (one per
    withdrawal), refreshed later, so the reconciliation can compare it with its withdrawal."""

    __tablename__ = "payout_transfers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "withdrawal_id"),
        ForeignKeyConstraint(["tenant_id", "withdrawal_id"], ["withdrawals.tenant_id", "withdrawals.id"]),
        Index("ix_payout_transfers_tenant_id_checked_at", "tenant_id", "checked_at"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # Stripe's tr_…
    withdrawal_id: Mapped[str] = mapped_column(PublicId)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    destination: Mapped[str] = mapped_column(String(255))
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]  # when Stripe made it
    checked_at: Mapped[datetime]  # when we last asked Stripe about it
