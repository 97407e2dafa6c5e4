from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped
from shop.payments.models import Payment

STATUSES = ("pending_payment", "paid", "shipped", "completed", "cancelled", "partially_refunded", "refunded")
GROUP_STATUSES = ("pending", "forming", "succeeded", "failed")


class Order(TenantScoped, Base):
    """A customer's order. Amounts are minor units; each line keeps its share of every discount.

    `status` only changes by updates guarded on the prior status. `refunded_total` counts refunds
    succeeded or in flight, so two refunds at once can never promise more than was paid.
    """

    __tablename__ = "orders"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint("total >= 0 AND refunded_total >= 0 AND refunded_total <= total", name="refunds_within_total"),
        Index("ix_orders_tenant_id_customer_id_id", "tenant_id", "customer_id", "id"),
        Index("ix_orders_tenant_id_status_id", "tenant_id", "status", "id"),
        UniqueConstraint("tenant_id", "customer_id", "request_key"),
        Index("ix_orders_tenant_id_group_id", "tenant_id", "group_id"),
        CheckConstraint(f"group_status IS NULL OR group_status IN {GROUP_STATUSES}", name="group_status_known"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    customer_id: Mapped[str] = mapped_column(PublicId)
    status: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger)
    points_used: Mapped[int] = mapped_column(BigInteger)
    points_deduction: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_id: Mapped[str | None] = mapped_column(PublicId)
    voucher_code: Mapped[str | None] = mapped_column(String(64))  # normalised
    voucher_deduction: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    cancel_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    after_sales_ends_at: Mapped[datetime | None]
    after_sales_closed_at: Mapped[datetime | None]
    # The checkout's Idempotency-Key (core.idempotency.request_key): a retry after a crash finds this order.
    request_key: Mapped[str | None] = mapped_column(String(64))
    # A group-buy order (null otherwise): the campaign and group it holds a seat in, its role there, and the
    # group's status as last told by the group-buy capability (shop/orders/service/group_orders.py), which
    # is what keeps it from shipping before the group has formed.
    group_campaign_id: Mapped[str | None] = mapped_column(PublicId)
    group_id: Mapped[str | None] = mapped_column(PublicId)
    group_role: Mapped[str | None] = mapped_column(String(8))
    group_status: Mapped[str | None] = mapped_column(String(16))

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.position", lazy="selectin")
    # Every order has its payment row from checkout on: loaded in the same SELECT.
    payment: Mapped[Payment] = relationship(lazy="joined", innerjoin=True)

    @property
    def group_buy(self) -> dict | None:
        """The order's part in a group-buy, as order bodies show it."""
        if self.group_id is None:
            return None
        return {"campaign_id": self.group_campaign_id, "group_id": self.group_id, "role": self.group_role,
                "group_status": self.group_status}


class OrderLine(TenantScoped, Base):
    """One SKU of an order with its price snapshot, its shares of the coupon, voucher and points, and what
    has been refunded of it. `total` is what was paid for the line."""

    __tablename__ = "order_lines"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "sku_id"], ["skus.tenant_id", "skus.id"]),
        CheckConstraint("quantity > 0 AND total >= 0", name="amounts_sane"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_quantity_within_line"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= total", name="refund_amount_within_line"),
        CheckConstraint("points_returned >= 0 AND points_returned <= points_used", name="points_returned_within_line"),
        Index("ix_order_lines_tenant_id_order_id", "tenant_id", "order_id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    order_id: Mapped[str] = mapped_column(PublicId)
    position: Mapped[int] = mapped_column(Integer)  # the order the customer gave the lines in
    product_id: Mapped[str] = mapped_column(PublicId)
    sku_id: Mapped[str] = mapped_column(PublicId)
    title: Mapped[str] = mapped_column(String(200))
    sku_name: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger)
    voucher_deduction: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    points_deduction: Mapped[int] = mapped_column(BigInteger)
    points_used: Mapped[int] = mapped_column(BigInteger)  # this line's share of the order's points
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)


class Refund(TenantScoped, Base):
    """Money given back on an order: `pending` while the provider works, then `succeeded` or `failed`.

    `kind` is `merchant` (asked for through the API) or `paid_after_cancel` (a payment that arrived
    for an order already cancelled, returned automatically).
    """

    __tablename__ = "refunds"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"], ondelete="CASCADE"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
        Index("ix_refunds_tenant_id_order_id_id", "tenant_id", "order_id", "id"),
        UniqueConstraint("tenant_id", "order_id", "request_key"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    order_id: Mapped[str] = mapped_column(PublicId)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    provider: Mapped[str] = mapped_column(String(16))
    provider_refund_id: Mapped[str | None] = mapped_column(String(255))
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    # The request's Idempotency-Key (core.idempotency.request_key): a retry after a crash finds this refund.
    request_key: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list[RefundLine]] = relationship(order_by="RefundLine.line_id", lazy="selectin")


class RefundLine(TenantScoped, Base):
    """What one refund takes from one order line."""

    __tablename__ = "refund_lines"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "refund_id"], ["refunds.tenant_id", "refunds.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "line_id"], ["order_lines.tenant_id", "order_lines.id"]),
        CheckConstraint("quantity >= 0 AND amount >= 0 AND points_returned >= 0", name="amounts_not_negative"),
    )

    refund_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    line_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    points_returned: Mapped[int] = mapped_column(BigInteger)
