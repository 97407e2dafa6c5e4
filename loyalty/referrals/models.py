"""Referrals (老带新): who brought whom, the day counters the inviter's cap is guarded on, and each reward given."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped

_INVITER = (["tenant_id", "inviter_id"], ["customers.tenant_id", "customers.id"])
_INVITEE = (["tenant_id", "invitee_id"], ["customers.tenant_id", "customers.id"])
_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])
_REFERRAL = (["tenant_id", "referral_id"], ["referrals.tenant_id", "referrals.id"])


class Referral(TenantScoped, Base):
    """A new customer brought by an existing one: `pending` until the invitee's qualifying order, then
    `qualified` (both sides rewarded) or `capped` (past the inviter's daily cap: the invitee alone).
    One per invitee, for good; the status moves once, by an update guarded on `pending`."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "invitee_id"),
        ForeignKeyConstraint(*_INVITER),
        ForeignKeyConstraint(*_INVITEE),
        CheckConstraint("inviter_id <> invitee_id", name="not_self"),
        Index("ix_referrals_inviter", "tenant_id", "inviter_id", "id"),
        Index("ix_referrals_created", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    inviter_id: Mapped[str] = mapped_column(PublicId)
    invitee_id: Mapped[str] = mapped_column(PublicId)
    status: Mapped[str] = mapped_column(String(16))  # pending | qualified | capped
    created_at: Mapped[datetime]
    # The funnel: when the invitee first placed an order, and first paid one.
    first_ordered_at: Mapped[datetime | None]
    first_paid_at: Mapped[datetime | None]
    qualified_at: Mapped[datetime | None]
    qualified_on: Mapped[str | None] = mapped_column(String(20))  # first_order_paid | first_order_final
    qualifying_order_id: Mapped[str | None] = mapped_column(PublicId)
    # The inviter's local day (tenant's timezone) the qualification counted on, for the daily cap.
    qualified_local_date: Mapped[date | None]
    # The rewards promised at qualification (points and coupon templates of each side), so a settings
    # change between qualifying and the reward job cannot change what was earned.
    terms: Mapped[dict | None]
    rewarded_at: Mapped[datetime | None]

    rewards: Mapped[list[ReferralReward]] = relationship(
        viewonly=True, lazy="raise", order_by="(ReferralReward.side, ReferralReward.kind)",
        primaryjoin="and_(Referral.tenant_id == foreign(ReferralReward.tenant_id), "
                    "Referral.id == foreign(ReferralReward.referral_id))",
    )


class ReferralDailyCount(TenantScoped, Base):
    """How many referrals qualified for an inviter on one local day: the row the daily cap is guarded on."""

    __tablename__ = "referral_daily_counts"
    __table_args__ = (ForeignKeyConstraint(*_INVITER),)

    inviter_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    local_date: Mapped[date] = mapped_column(primary_key=True)
    qualified: Mapped[int] = mapped_column(Integer, default=0)


class ReferralReward(TenantScoped, Base):
    """One reward of a referral to one side, given once: its primary key (referral, side, kind) is what
    makes it once, whoever runs the reward job and however often. `status` says honestly what came of
    it (a coupon template may be sold out by then)."""

    __tablename__ = "referral_rewards"
    __table_args__ = (
        ForeignKeyConstraint(*_REFERRAL),
        ForeignKeyConstraint(*_CUSTOMER),
        Index("ix_referral_rewards_customer", "tenant_id", "customer_id"),
    )

    referral_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    side: Mapped[str] = mapped_column(String(8), primary_key=True)  # inviter | invitee
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # points | coupon
    customer_id: Mapped[str] = mapped_column(PublicId)
    points: Mapped[int] = mapped_column(Integer, default=0)
    coupon_template_id: Mapped[str | None] = mapped_column(PublicId)
    coupon_id: Mapped[str | None] = mapped_column(PublicId)
    # issued | sold_out | limit_reached | expired | template_missing
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
