from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped


class Product(TenantScoped, Base):
    """Something a tenant sells; its SKUs carry the prices and the stock."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'archived')", name="status_known"),
        Index("ix_products_tenant_id_status_id", "tenant_id", "status", "id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    image_urls: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Distribution's per-product override: {level1_rate?, level2_rate?, level1_amount?, level2_amount?} or None.
    commission: Mapped[dict | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    skus: Mapped[list[Sku]] = relationship(order_by="Sku.position", lazy="selectin", back_populates="product")


class Sku(TenantScoped, Base):
    """One buyable variant of a product. `stock` only changes by guarded updates and never goes below zero."""

    __tablename__ = "skus"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"], ondelete="CASCADE"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        Index("ix_skus_tenant_id_product_id", "tenant_id", "product_id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    product_id: Mapped[str] = mapped_column(PublicId)
    position: Mapped[int] = mapped_column(Integer)  # order within the product (ids minted in one millisecond tie)
    name: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    product: Mapped[Product] = relationship(back_populates="skus", lazy="raise_on_sql")

    @property
    def in_stock(self) -> bool:
        return self.stock > 0
