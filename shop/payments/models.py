from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class Payment(TenantScoped, Base):
    """How an order is paid: its provider, the Stripe PaymentIntent if any, and what became of it.

    `status` moves `pending -> succeeded` or `pending -> canceled`, each by a guarded update, so a
    payment is recorded once however many webhooks, re-checks and offline confirmations report it.
    """

    __tablename__ = "payments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id"),
        UniqueConstraint("tenant_id", "intent_id"),
        CheckConstraint("provider IN ('stripe', 'offline')", name="provider_known"),
        CheckConstraint("status IN ('pending', 'succeeded', 'canceled')", name="status_known"),
        # The re-check job looks for Stripe payments still pending.
        Index("ix_payments_pending", "tenant_id", "created_at", postgresql_where="status = 'pending'"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    order_id: Mapped[str] = mapped_column(PublicId)
    provider: Mapped[str] = mapped_column(String(16))
    intent_id: Mapped[str | None] = mapped_column(String(255))
    client_secret: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    succeeded_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]


class WebhookEvent(TenantScoped, Base):
    """A Stripe event we have processed. Its primary key (tenant_id, event_id) makes processing happen once."""

    __tablename__ = "stripe_webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime]
