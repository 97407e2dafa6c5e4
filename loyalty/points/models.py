"""The points ledger: append-only entries, the lots credits create, per-customer accounts, order holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])


class PointsAccount(TenantScoped, Base):
    """One row per customer: the lock every change to a customer's points takes first, and the two
    amounts no lot holds: points held for unpaid orders and debt."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        CheckConstraint("held >= 0 AND debt >= 0", name="not_negative"),
    )

    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    held: Mapped[int] = mapped_column(Integer, default=0)
    debt: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class PointsEntry(TenantScoped, Base):
    """One append-only ledger line. `source` names the effect (order, refund, sign-in, adjustment,
    exchange, expiry) and is unique, so nothing is credited, spent or reversed twice."""

    __tablename__ = "points_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source"),
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_points_entries_customer", "tenant_id", "customer_id", "id"),
        Index("ix_points_entries_order", "tenant_id", "order_id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(120))
    order_id: Mapped[str | None] = mapped_column(PublicId)
    lot_id: Mapped[str | None] = mapped_column(PublicId)
    draws: Mapped[list | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    available_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PointsLot(TenantScoped, Base):
    """What a credit added, and what is left of it; pending until `available_at`, gone at `expires_at`."""

    __tablename__ = "points_lots"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_within_points"),
        # A customer's open lots in the order they are spent (never-expiring last: NULLs sort last), so a hold
        # reads only the few it draws (loyalty/points/service/spending.py).
        Index("ix_points_lots_spendable", "tenant_id", "customer_id", "expires_at", "available_at", "id",
              postgresql_where="remaining > 0", sqlite_where=text("remaining > 0")),
        Index("ix_points_lots_due", "tenant_id", "expires_at",
              postgresql_where="remaining > 0", sqlite_where=text("remaining > 0")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    entry_id: Mapped[str] = mapped_column(PublicId)
    points: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    expired: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PointsHold(TenantScoped, Base):
    """Points spent on one order: `held` while it is unpaid, then `spent` or `released`; `returned`
    counts what refunds gave back. Transitions are guarded updates on `status`."""

    __tablename__ = "points_holds"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        CheckConstraint("returned >= 0 AND returned <= points", name="returned_within_points"),
    )

    order_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    points: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    draws: Mapped[list]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
