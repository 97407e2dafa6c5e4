from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId


class Tenant(Base):
    """A merchant. The tenant row itself is not tenant-scoped: it is the scope."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    publishable_key: Mapped[str] = mapped_column(String(80), unique=True)
    settings: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    suspended_at: Mapped[datetime | None]
