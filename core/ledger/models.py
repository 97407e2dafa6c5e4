"""Ledger tables. Entries and transactions are never updated (a trigger refuses it, see migration 0007);
a correction is a new transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class LedgerTransaction(TenantScoped, Base):
    """One balanced movement. `key` names the business effect (`accrual:{order_id}`), unique per tenant,
    so posting the same effect twice records it once."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_ledger_transactions_tenant_id_kind_created_at", "tenant_id", "kind", "created_at"),
        # The reconciliation finds a withdrawal's or a settlement run's postings by what they are about.
        Index("ix_ledger_transactions_tenant_id_reference", "tenant_id", "reference"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    # What it is about (an order, a refund, a settlement, a withdrawal), for statements and reconciliation.
    reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class LedgerEntry(TenantScoped, Base):
    """One leg of a transaction: `amount` is signed, debit positive, credit negative, never zero. An account
    is a name (`distributor:{id}:available`) and exists by having entries: its balance is their sum."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "transaction_id"],
                             ["ledger_transactions.tenant_id", "ledger_transactions.id"]),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_account", "tenant_id", "account", "currency", "id"),
        Index("ix_ledger_entries_transaction", "tenant_id", "transaction_id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    transaction_id: Mapped[str] = mapped_column(PublicId)
    account: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
