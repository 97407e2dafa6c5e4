from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class ApiKey(TenantScoped, Base):
    """A tenant secret key. Only its SHA-256 is stored; the key itself is shown once."""

    __tablename__ = "api_keys"
    # Authentication looks keys up by hash before the tenant is known: not unique-constrained
    # (a unique key must include tenant_id), and 192 random bits make collisions moot.
    __table_args__ = (Index("ix_api_keys_key_hash", "key_hash"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64))
    key_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
