"""The outbox's tables: job intents, and the ticks that make periodic fan-out happen once per slot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId


class OutboxJob(Base):
    """A job intent. Platform infrastructure: not tenant-scoped, but carries the job's tenant."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        Index("ix_job_outbox_due", "run_at",
              postgresql_where="completed_at IS NULL AND failed_at IS NULL AND skipped_at IS NULL"),
        Index("ix_job_outbox_tenant_id", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(PublicId)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict] = mapped_column(default=dict)
    run_at: Mapped[datetime]
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    skipped_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SchedulerTick(Base):
    """One row per periodic task and time slot, so several schedulers fan out each slot once."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]
