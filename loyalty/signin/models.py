from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class SignIn(TenantScoped, Base):
    """A customer's daily sign-in: one per local day of the tenant, whatever the concurrency."""

    __tablename__ = "sign_ins"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "local_date"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    local_date: Mapped[date]
    streak: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
