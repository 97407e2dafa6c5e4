"""Group-buy campaigns, their prices, their groups, the members holding seats, and per-customer counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, PublicId
from core.tenancy import TenantScoped
from shop.groupbuy import rules

GROUP_STATUSES = ("pending", "forming", "succeeded", "failed")
MEMBER_STATUSES = ("held", "paid", "left")


class GroupBuy(TenantScoped, Base):
    """A campaign: a product's SKUs at group prices, groups of `group_size` within `time_limit_minutes` of the
    leader's payment, during its window. Its status is not stored: it follows the window (and `ended_at`,
    when the merchant ended it early). Rates are decimal strings."""

    __tablename__ = "group_buys"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        CheckConstraint("group_size BETWEEN 2 AND 50", name="group_size_range"),
        CheckConstraint("time_limit_minutes BETWEEN 1 AND 10080", name="time_limit_range"),
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
        CheckConstraint("per_customer_limit IS NULL OR per_customer_limit >= 1", name="limit_positive"),
        Index("ix_group_buys_tenant_id_ends_at", "tenant_id", "ends_at"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    product_id: Mapped[str] = mapped_column(PublicId)
    currency: Mapped[str] = mapped_column(String(3))
    group_size: Mapped[int] = mapped_column(Integer)
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # ended early by the merchant
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    virtual_fill_threshold: Mapped[str | None] = mapped_column(String(16))
    leader_commission_rate: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]

    prices: Mapped[list[GroupBuyPrice]] = relationship(order_by="GroupBuyPrice.position", lazy="selectin")

    @property
    def status(self) -> str:
        return rules.campaign_status(starts_at=self.starts_at, ends_at=self.ends_at, ended_at=self.ended_at,
                                     now=clock.now())


class GroupBuyPrice(TenantScoped, Base):
    """The group price of one SKU of the campaign's product."""

    __tablename__ = "group_buy_prices"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "campaign_id"], ["group_buys.tenant_id", "group_buys.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "sku_id"], ["skus.tenant_id", "skus.id"]),
        CheckConstraint("price > 0", name="price_positive"),
    )

    campaign_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    sku_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the order the merchant gave the prices in
    price: Mapped[int] = mapped_column(BigInteger)


class Group(TenantScoped, Base):
    """One group of a campaign. `live_count` counts seats held by orders neither cancelled nor refunded in full
    while the group was open, `paid_count` those paid (a paid seat stays counted once the group has ended):
    both move only by guarded updates, and the database itself refuses a group with more live seats than its
    size. `status` moves forward only: pending -> forming -> succeeded | failed."""

    __tablename__ = "group_buy_groups"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "campaign_id"], ["group_buys.tenant_id", "group_buys.id"]),
        ForeignKeyConstraint(["tenant_id", "leader_customer_id"], ["customers.tenant_id", "customers.id"]),
        CheckConstraint("status IN ('pending', 'forming', 'succeeded', 'failed')", name="status_known"),
        CheckConstraint("live_count >= 0 AND live_count <= group_size", name="never_overfilled"),
        CheckConstraint("paid_count >= 0 AND paid_count <= live_count", name="paid_within_live"),
        Index("ix_group_buy_groups_tenant_id_campaign_id_status_id", "tenant_id", "campaign_id", "status", "id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(PublicId)
    leader_customer_id: Mapped[str] = mapped_column(PublicId)
    group_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    live_count: Mapped[int] = mapped_column(Integer)
    paid_count: Mapped[int] = mapped_column(Integer)
    virtual_filled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # the leader's payment + the campaign's time limit
    succeeded_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]

    members: Mapped[list[GroupMember]] = relationship(
        order_by="GroupMember.joined_at", lazy="selectin",
        primaryjoin="and_(Group.tenant_id == GroupMember.tenant_id, Group.id == GroupMember.group_id, "
                    "GroupMember.status != 'left')", viewonly=True)

    @property
    def seats_left(self) -> int:
        return self.group_size - self.live_count if self.status in ("pending", "forming") else 0


class GroupMember(TenantScoped, Base):
    """A seat held by one order: `held` while unpaid, `paid`, `left` once the order is cancelled, or refunded in
    full while the group is pending or forming. A paid seat refunded in full after its group succeeded or failed
    stays `paid` (the group's members are final) with `left_at` set. A customer holds at most one seat in a
    group (the partial unique key, not a prior read)."""

    __tablename__ = "group_buy_members"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "group_id"], ["group_buy_groups.tenant_id", "group_buy_groups.id"]),
        ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        CheckConstraint("status IN ('held', 'paid', 'left')", name="status_known"),
        CheckConstraint("role IN ('leader', 'member')", name="role_known"),
        UniqueConstraint("tenant_id", "order_id"),
        Index("uq_group_buy_members_one_seat_per_customer", "tenant_id", "group_id", "customer_id", unique=True,
              postgresql_where=text("status <> 'left'"), sqlite_where=text("status <> 'left'")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    group_id: Mapped[str] = mapped_column(PublicId)
    campaign_id: Mapped[str] = mapped_column(PublicId)
    customer_id: Mapped[str] = mapped_column(PublicId)
    order_id: Mapped[str] = mapped_column(PublicId)
    role: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]  # cancelled or refunded in full (the seat stays `paid` if the group had ended)


class GroupBuyParticipant(TenantScoped, Base):
    """How many groups of a campaign a customer takes part in now (campaigns with a per-customer limit only):
    raised by one conditional upsert at checkout, lowered when the customer leaves a group."""

    __tablename__ = "group_buy_participants"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "campaign_id"], ["group_buys.tenant_id", "group_buys.id"],
                             ondelete="CASCADE"),
        CheckConstraint("groups >= 0", name="groups_not_negative"),
    )

    campaign_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    groups: Mapped[int] = mapped_column(Integer)
