from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class Customer(TenantScoped, Base):
    """A consumer of one tenant. The same openid always maps to the same customer of that tenant."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "openid"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    openid: Mapped[str] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128))
    provider: Mapped[str] = mapped_column(String(16))
    nickname: Mapped[str | None] = mapped_column(String(100))
    # The invite code given at first login; the referrals capability binds it to an inviter.
    signup_invite_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
