"""Console sign-ins, kept on the server: the browser holds only an opaque token whose hash is the key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class ConsoleSession(TenantScoped, Base):
    """One signed-in browser, bound to the secret key it signed in with (and so to its tenant and role).

    It ends when its clerk signs out, when it has been idle or old too long, or at its next request
    after its key was revoked. Looked up by `token_hash` before the tenant is known (like API keys).
    """

    __tablename__ = "console_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "key_id"], ["api_keys.tenant_id", "api_keys.id"], ondelete="CASCADE"),
        Index("ix_console_sessions_token_hash", "token_hash"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    key_id: Mapped[str] = mapped_column(PublicId)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the absolute end, whatever the activity
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(24))  # signed_out | key_revoked | idle | expired
