from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped
from tenants.customers.invite_codes import new_invite_code


class Customer(TenantScoped, Base):
    """A consumer of one tenant. The same openid of the same provider always maps to the same customer;
    identities are kept per provider, so a `dev` openid can never reach a WeChat customer."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider", "openid"),
        UniqueConstraint("tenant_id", "invite_code"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    openid: Mapped[str] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128))
    provider: Mapped[str] = mapped_column(String(16))
    nickname: Mapped[str | None] = mapped_column(String(100))
    # This customer's own code, stable for life (tenants/customers/invite_codes.py).
    invite_code: Mapped[str] = mapped_column(String(16), default=new_invite_code)
    # The invite code given at first login, as given (up to 200 characters; it may name nobody).
    signup_invite_code: Mapped[str | None] = mapped_column(String(200))
    # Who brought this customer (set once by the referrals capability, never changed).
    referred_by: Mapped[str | None] = mapped_column(PublicId)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
