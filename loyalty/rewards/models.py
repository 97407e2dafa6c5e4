"""The points mall: rewards that cost points and issue a coupon or hand out a voucher code, and each exchange."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped
from loyalty.coupons.models import Coupon, CouponTemplate
from loyalty.vouchers.models import Voucher, VoucherPool

_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])
_REWARD = (["tenant_id", "reward_id"], ["rewards.tenant_id", "rewards.id"])


class Reward(TenantScoped, Base):
    __tablename__ = "rewards"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "coupon_template_id"],
                             ["coupon_templates.tenant_id", "coupon_templates.id"]),
        ForeignKeyConstraint(["tenant_id", "voucher_pool_id"], ["voucher_pools.tenant_id", "voucher_pools.id"]),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("(coupon_template_id IS NULL) <> (voucher_pool_id IS NULL)", name="one_prize"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    points_cost: Mapped[int] = mapped_column(Integer)
    # What an exchange gives: a coupon of this template, or a code of this (issue) voucher pool.
    coupon_template_id: Mapped[str | None] = mapped_column(PublicId)
    voucher_pool_id: Mapped[str | None] = mapped_column(PublicId)
    stock: Mapped[int | None] = mapped_column(Integer)  # left to exchange; None: unlimited
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    exchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    coupon_template: Mapped[CouponTemplate | None] = relationship(viewonly=True, lazy="joined")
    voucher_pool: Mapped[VoucherPool | None] = relationship(viewonly=True, lazy="joined")


class RewardCustomerCount(TenantScoped, Base):
    """How many times a customer exchanged a reward: the row a per-customer limit is guarded on."""

    __tablename__ = "reward_customer_counts"
    __table_args__ = (ForeignKeyConstraint(*_REWARD), ForeignKeyConstraint(*_CUSTOMER))

    reward_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    exchanged: Mapped[int] = mapped_column(Integer, default=0)


class RewardExchange(TenantScoped, Base):
    """One exchange: points spent, a coupon issued or a voucher code handed out. `request_key` (the
    Idempotency-Key it came with) is its natural key, so a retry after a lost response finds it instead of
    spending again."""

    __tablename__ = "reward_exchanges"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "request_key"),
        ForeignKeyConstraint(*_REWARD),
        ForeignKeyConstraint(*_CUSTOMER),
        ForeignKeyConstraint(["tenant_id", "coupon_id"], ["coupons.tenant_id", "coupons.id"]),
        ForeignKeyConstraint(["tenant_id", "voucher_id"], ["vouchers.tenant_id", "vouchers.id"]),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    reward_id: Mapped[str] = mapped_column(PublicId)
    customer_id: Mapped[str] = mapped_column(PublicId)
    coupon_id: Mapped[str | None] = mapped_column(PublicId)
    voucher_id: Mapped[str | None] = mapped_column(PublicId)
    points_spent: Mapped[int] = mapped_column(Integer)
    request_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]

    coupon: Mapped[Coupon | None] = relationship(viewonly=True, lazy="joined")
    voucher: Mapped[Voucher | None] = relationship(viewonly=True, lazy="joined")
