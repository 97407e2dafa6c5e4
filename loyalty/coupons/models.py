"""Coupon templates, the coupons issued from them, and per-customer issue counters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])
_TEMPLATE = (["tenant_id", "template_id"], ["coupon_templates.tenant_id", "coupon_templates.id"])


class CouponTemplate(TenantScoped, Base):
    __tablename__ = "coupon_templates"
    __table_args__ = (
        CheckConstraint("total_quantity IS NULL OR issued_count <= total_quantity", name="within_total_quantity"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # amount_off | percent_off
    amount_off: Mapped[int | None] = mapped_column(Integer)
    percent_off: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    max_discount: Mapped[int | None] = mapped_column(Integer)
    min_spend: Mapped[int] = mapped_column(Integer, default=0)
    product_ids: Mapped[list | None]  # None: every product is in scope
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    valid_days: Mapped[int | None] = mapped_column(Integer)  # instead of a window: valid N days after issue
    total_quantity: Mapped[int | None] = mapped_column(Integer)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    claimable: Mapped[bool] = mapped_column(Boolean, default=True)  # False: grant-only
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class CouponCustomerCount(TenantScoped, Base):
    """How many coupons of a template a customer was issued: the row a per-customer limit is guarded on."""

    __tablename__ = "coupon_customer_counts"
    __table_args__ = (ForeignKeyConstraint(*_TEMPLATE), ForeignKeyConstraint(*_CUSTOMER))

    template_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class Coupon(TenantScoped, Base):
    """An issued coupon: available -> locked (by a pending order) -> used (paid); back to available if that
    order is cancelled; expired when its window passes unused; void when withdrawn."""

    __tablename__ = "coupons"
    __table_args__ = (
        ForeignKeyConstraint(*_TEMPLATE),
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_coupons_customer_status", "tenant_id", "customer_id", "status"),
        Index("ix_coupons_available_until", "tenant_id", "valid_until",
              postgresql_where="status = 'available'", sqlite_where=text("status = 'available'")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    template_id: Mapped[str] = mapped_column(PublicId)
    customer_id: Mapped[str] = mapped_column(PublicId)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # claim | grant | exchange
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    order_id: Mapped[str | None] = mapped_column(PublicId)
    created_at: Mapped[datetime]
    locked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]

    template: Mapped[CouponTemplate] = relationship(viewonly=True, lazy="joined")

    def status_at(self, now: datetime) -> str:
        """The status as of `now`: an available coupon whose window has passed is expired, whether or not
        the expiry job has recorded it yet."""
        if self.status == "available" and self.valid_until is not None and self.valid_until <= now:
            return "expired"
        return self.status
