"""Distributor accounts, bindings of customers to them, commissions, and settlement runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])
_DISTRIBUTOR = (["tenant_id", "distributor_id"], ["distributors.tenant_id", "distributors.id"])

STATUSES = ("none", "pending", "approved", "rejected", "suspended")


class Distributor(TenantScoped, Base):
    """A customer's distributor account. `none`: it earned a commission (a group leader) without applying;
    only `approved` accounts are bound to and earn sale commissions. Balances live in the ledger."""

    __tablename__ = "distributors"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id"),
        ForeignKeyConstraint(*_CUSTOMER),
        CheckConstraint("status IN ('none', 'pending', 'approved', 'rejected', 'suspended')", name="status_known"),
        Index("ix_distributors_tenant_id_status_id", "tenant_id", "status", "id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    # How it became what it is: "application", "everyone", "spend", "earner" (a commission without applying).
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]


class Binding(TenantScoped, Base):
    """Which distributor a customer is bound to: one row per customer, replaced under last_touch."""

    __tablename__ = "distribution_bindings"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        ForeignKeyConstraint(*_DISTRIBUTOR),
        Index("ix_distribution_bindings_tenant_id_distributor_id", "tenant_id", "distributor_id", "customer_id"),
    )

    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    distributor_id: Mapped[str] = mapped_column(PublicId)
    source: Mapped[str] = mapped_column(String(16))  # "login" | "api"
    bound_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class Commission(TenantScoped, Base):
    """What one distributor earns on one order line at one level. One per (line, kind, level): unique keys,
    not a prior read, keep a second payment event from recording it twice (on PostgreSQL the accrual's key
    `accrual:{kind}:{order}` first, then this one: service/commissions.py). `net` is the line's paid total
    less its refunds; `amount` follows it while `frozen`."""

    __tablename__ = "commissions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "line_id", "kind", "level"),
        ForeignKeyConstraint(*_DISTRIBUTOR),
        CheckConstraint("status IN ('frozen', 'settled', 'cancelled')", name="status_known"),
        CheckConstraint("kind IN ('sale', 'group_leader')", name="kind_known"),
        CheckConstraint("level IN (1, 2)", name="level_known"),
        CheckConstraint("net >= 0 AND net <= base AND amount >= 0", name="amounts_within_base"),
        Index("ix_commissions_tenant_id_distributor_id_id", "tenant_id", "distributor_id", "id"),
        Index("ix_commissions_tenant_id_order_id", "tenant_id", "order_id"),
        Index("ix_commissions_tenant_id_status_id", "tenant_id", "status", "id"),
        # What settlement looks for: frozen commissions whose order's after-sales window has closed.
        Index("ix_commissions_due", "tenant_id", "id",
              postgresql_where="status = 'frozen' AND final_at IS NOT NULL",
              sqlite_where=text("status = 'frozen' AND final_at IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    order_id: Mapped[str] = mapped_column(PublicId)
    line_id: Mapped[str] = mapped_column(PublicId)
    customer_id: Mapped[str] = mapped_column(PublicId)  # the buyer
    distributor_id: Mapped[str] = mapped_column(PublicId)  # the earner
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[str] = mapped_column(PublicId)
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    base: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[str | None] = mapped_column(String(24))  # a decimal string, when it earns by rate
    fixed_amount: Mapped[int | None] = mapped_column(BigInteger)  # per unit, when it earns a fixed amount
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    final_at: Mapped[datetime | None]  # when its order's after-sales window closed: due for settlement
    settled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    settlement_id: Mapped[str | None] = mapped_column(PublicId)


class Settlement(TenantScoped, Base):
    """One settlement run (periodic or on demand) and what it settled, counted batch by batch."""

    __tablename__ = "settlements"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'completed')", name="status_known"),
        CheckConstraint("trigger IN ('periodic', 'on_demand')", name="trigger_known"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    commissions: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    batches: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
