"""Segments' own tables: a mirror of paid orders, each customer's lifecycle profile, tags, segments,
campaigns and the recipients each campaign granted to (or skipped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])
_TAG = (["tenant_id", "tag_id"], ["tags.tenant_id", "tags.id"])
_CAMPAIGN = (["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"])
_TEMPLATE = (["tenant_id", "coupon_template_id"], ["coupon_templates.tenant_id", "coupon_templates.id"])

STAGES = ("prospect", "new", "active", "loyal", "dormant", "churned")


class SegmentOrder(TenantScoped, Base):
    """Loyalty's own record of a paid order, written from order events (loyalty cannot read the shop's
    tables). Stages, RFM and rule fields are computed from these rows; `fully_refunded` ones never count."""

    __tablename__ = "segment_orders"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_segment_orders_customer", "tenant_id", "customer_id", "paid_at"),
        Index("ix_segment_orders_coupon", "tenant_id", "coupon_id",
              postgresql_where="coupon_id IS NOT NULL", sqlite_where=text("coupon_id IS NOT NULL")),
    )

    order_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    paid_amount: Mapped[int] = mapped_column(Integer)
    refunded_total: Mapped[int] = mapped_column(Integer, default=0)
    fully_refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    coupon_id: Mapped[str | None] = mapped_column(PublicId)
    paid_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerProfile(TenantScoped, Base):
    """A customer's lifecycle stage (with when it began), its RFM scores as of the last refresh, and
    whether it is a distributor. A customer without a row is a prospect since registration."""

    __tablename__ = "customer_profiles"
    __table_args__ = (
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_customer_profiles_stage", "tenant_id", "stage"),
    )

    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    stage_since: Mapped[datetime]
    r: Mapped[int | None] = mapped_column(Integer)
    f: Mapped[int | None] = mapped_column(Integer)
    m: Mapped[int | None] = mapped_column(Integer)
    scored_at: Mapped[datetime | None]
    is_distributor: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]  # when the stage was last written (guards the daily job; see lifecycle.py)


class Tag(TenantScoped, Base):
    """A manual tag (members added by hand) or a rule tag (members are whoever its rule matched at the
    last refresh)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # manual | rule
    rule: Mapped[dict | None]
    refreshed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class CustomerTag(TenantScoped, Base):
    __tablename__ = "customer_tags"
    __table_args__ = (
        ForeignKeyConstraint(*_TAG, ondelete="CASCADE"),
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_customer_tags_customer", "tenant_id", "customer_id"),
    )

    tag_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    created_at: Mapped[datetime]


class Segment(TenantScoped, Base):
    """A named rule; its members are computed whenever they are asked for."""

    __tablename__ = "segments"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[dict]
    created_at: Mapped[datetime]


class Campaign(TenantScoped, Base):
    """A grant of a coupon or of points to a segment's members: draft -> running -> completed."""

    __tablename__ = "campaigns"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "segment_id"], ["segments.tenant_id", "segments.id"]),
        ForeignKeyConstraint(*_TEMPLATE),
        CheckConstraint("(action = 'grant_coupon' AND coupon_template_id IS NOT NULL) OR "
                        "(action = 'grant_points' AND points > 0)", name="action_complete"),
        Index("ix_campaigns_running", "tenant_id",
              postgresql_where="status = 'running'", sqlite_where=text("status = 'running'")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    segment_id: Mapped[str] = mapped_column(PublicId)
    action: Mapped[str] = mapped_column(String(16))  # grant_coupon | grant_points
    coupon_template_id: Mapped[str | None] = mapped_column(PublicId)
    points: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    audience: Mapped[int | None] = mapped_column(Integer)  # members as of the launch
    granted: Mapped[int] = mapped_column(Integer, default=0)
    skipped_capped: Mapped[int] = mapped_column(Integer, default=0)
    skipped_limit: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)  # done so far: the chain's position
    created_at: Mapped[datetime]
    launched_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class CampaignRecipient(TenantScoped, Base):
    """One member of a campaign's audience as of its launch: pending until a batch grants it (or skips it).
    The primary key is what makes a customer receive at most one grant per campaign."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        ForeignKeyConstraint(*_CAMPAIGN),
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_campaign_recipients_pending", "tenant_id", "campaign_id", "customer_id",
              postgresql_where="status = 'pending'", sqlite_where=text("status = 'pending'")),
        Index("ix_campaign_recipients_granted", "tenant_id", "customer_id", "granted_at",
              postgresql_where="status = 'granted'", sqlite_where=text("status = 'granted'")),
        Index("ix_campaign_recipients_coupon", "tenant_id", "coupon_id",
              postgresql_where="coupon_id IS NOT NULL", sqlite_where=text("coupon_id IS NOT NULL")),
    )

    campaign_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | granted | skipped_capped | skipped_limit
    coupon_id: Mapped[str | None] = mapped_column(PublicId)
    granted_at: Mapped[datetime | None]


class CampaignCap(TenantScoped, Base):
    """One row per customer ever granted by a campaign: the row two campaigns' batches lock (in customer
    order) before counting the customer's recent grants, so together they never pass the frequency cap."""

    __tablename__ = "campaign_caps"
    __table_args__ = (ForeignKeyConstraint(*_CUSTOMER),)

    customer_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    grants: Mapped[int] = mapped_column(Integer, default=0)
    last_granted_at: Mapped[datetime | None]
