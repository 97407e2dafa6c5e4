"""Voucher pools, their single-use codes, the platform events that touched them, and failed guesses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, PublicId
from core.tenancy import TenantScoped

PLATFORMS = ("douyin", "meituan", "taobao", "jd", "wechat_channels", "offline", "custom")
DIRECTIONS = ("issue", "accept")
POOL_STATUSES = ("active", "archived")
STATUSES = ("available", "issued", "locked", "redeemed", "expired", "void")
CHANNELS = ("store", "checkout", "platform")

_POOL = (["tenant_id", "pool_id"], ["voucher_pools.tenant_id", "voucher_pools.id"])
_CUSTOMER = (["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"])


class VoucherPool(TenantScoped, Base):
    """A batch of single-use codes for one platform, that we either issue (hand to our customers) or
    accept (sold elsewhere, redeemed here). Counts are derived from its vouchers, never kept here: a
    counter on the pool would make every redemption of the pool queue on this one row."""

    __tablename__ = "voucher_pools"
    __table_args__ = (
        CheckConstraint(f"platform IN {PLATFORMS}", name="platform_known"),
        CheckConstraint(f"direction IN {DIRECTIONS}", name="direction_known"),
        CheckConstraint(f"status IN {POOL_STATUSES}", name="status_known"),
        CheckConstraint("face_value IS NULL OR face_value > 0", name="face_value_positive"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    platform: Mapped[str] = mapped_column(String(24))
    direction: Mapped[str] = mapped_column(String(8))
    face_value: Mapped[int | None] = mapped_column(BigInteger)  # minor units; None: no money value
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    # Verifies the platform's signed callbacks, so it is kept as it is (shown once, at creation).
    callback_secret: Mapped[str] = mapped_column(String(80))
    # The platform adapter's settings (base URL, credentials); secrets in it are never shown.
    platform_settings: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    def window_state(self, now: datetime) -> str | None:
        """Why no code of this pool may be redeemed now ("void", "expired", "not_yet_valid"), or None."""
        if self.status == "archived":
            return "void"
        if self.valid_until is not None and self.valid_until <= now:
            return "expired"
        if self.valid_from is not None and self.valid_from > now:
            return "not_yet_valid"
        return None

    @property
    def redeemable_status(self) -> str:
        """The status in which a code of this pool may be redeemed: accepted codes while in the pool,
        issued codes once handed to a customer."""
        return "available" if self.direction == "accept" else "issued"


class Voucher(TenantScoped, Base):
    """One code. `available -> issued` (handed out) `-> locked` (an unpaid order) `-> redeemed`; back when a
    redemption is reversed or an order cancelled; `expired` or `void` when its pool lapses or is archived.
    Every change is an update guarded on the prior status, so a code is handed out and redeemed once."""

    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        ForeignKeyConstraint(*_POOL),
        ForeignKeyConstraint(*_CUSTOMER),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"redeemed_via IS NULL OR redeemed_via IN {CHANNELS}", name="channel_known"),
        # Taking the next available code, counting a pool by status, listing a pool's codes.
        Index("ix_vouchers_tenant_id_pool_id_status_id", "tenant_id", "pool_id", "status", "id"),
        Index("ix_vouchers_holder", "tenant_id", "customer_id", "pool_id",
              postgresql_where="customer_id IS NOT NULL", sqlite_where=text("customer_id IS NOT NULL")),
        Index("ix_vouchers_certificate", "tenant_id", "platform_certificate_id",
              postgresql_where="platform_certificate_id IS NOT NULL",
              sqlite_where=text("platform_certificate_id IS NOT NULL")),
        # Counting today's redemptions (the console's home page) without reading every code.
        Index("ix_vouchers_redeemed_at", "tenant_id", "redeemed_at", postgresql_where="redeemed_at IS NOT NULL",
              sqlite_where=text("redeemed_at IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    pool_id: Mapped[str] = mapped_column(PublicId)
    code: Mapped[str] = mapped_column(String(64))  # normalised (loyalty/vouchers/rules.py)
    status: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(PublicId)  # who it was handed to
    issued_via: Mapped[str | None] = mapped_column(String(16))  # grant | exchange
    created_at: Mapped[datetime]
    issued_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    order_id: Mapped[str | None] = mapped_column(PublicId)  # the order that locked or redeemed it
    redeemed_at: Mapped[datetime | None]
    redeemed_via: Mapped[str | None] = mapped_column(String(16))
    redeemed_by: Mapped[str | None] = mapped_column(PublicId)  # the API key that verified it in store
    location: Mapped[str | None] = mapped_column(String(200))
    # A platform reported a redemption of a code already redeemed (or held) here: never redeemed twice.
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    # What the platform knows of our redemption (Douyin: its certificate and verification ids).
    platform_certificate_id: Mapped[str | None] = mapped_column(String(64))
    platform_verify_id: Mapped[str | None] = mapped_column(String(64))
    platform_synced_at: Mapped[datetime | None]

    pool: Mapped[VoucherPool] = relationship(viewonly=True, lazy="joined")

    def status_at(self, now: datetime) -> str:
        """The status as of now: a code still in play in an archived pool is void, past the pool's
        validity expired, whether or not the hourly job has recorded it yet."""
        if self.status in ("available", "issued"):
            lapsed = self.pool.window_state(now)
            if lapsed in ("void", "expired"):
                return lapsed
        return self.status


class VoucherEvent(TenantScoped, Base):
    """A platform's event about a pool, recorded under its id in the transaction that applies it:
    a replay finds it and changes nothing."""

    __tablename__ = "voucher_events"
    __table_args__ = (ForeignKeyConstraint(*_POOL),)

    pool_id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "callback:<id>" | "douyin:<Msg-Id>"
    type: Mapped[str] = mapped_column(String(40))
    code: Mapped[str | None] = mapped_column(String(64))
    voucher_id: Mapped[str | None] = mapped_column(PublicId)
    outcome: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime]


class VoucherGuess(TenantScoped, Base):
    """An unknown code tried by a credential: counted over a sliding 10 minutes where Redis is not
    configured (loyalty/vouchers/guessing.py)."""

    __tablename__ = "voucher_guesses"
    __table_args__ = (Index("ix_voucher_guesses_tenant_id_credential_created_at", "tenant_id", "credential",
                            "created_at"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    credential: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]



IMPORT_STATUSES = ("queued", "running", "completed", "failed")


class VoucherImport(TenantScoped, Base):
    """A file of codes being imported into a pool in the background, a batch per job: its progress is
    these counters, committed batch by batch, so a page can follow it while the worker goes on."""

    __tablename__ = "voucher_imports"
    __table_args__ = (
        ForeignKeyConstraint(*_POOL),
        CheckConstraint(f"status IN {IMPORT_STATUSES}", name="status_known"),
        Index("ix_voucher_imports_tenant_id_pool_id_id", "tenant_id", "pool_id", "id"),
    )

    id: Mapped[str] = mapped_column(PublicId, primary_key=True)
    pool_id: Mapped[str] = mapped_column(PublicId)
    filename: Mapped[str] = mapped_column(String(200))
    is_csv: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(BigInteger)  # code rows in the file
    processed: Mapped[int] = mapped_column(BigInteger, default=0)
    imported: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, default=0)
    invalid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The first problems met, by line of the file: [{line, reason}].
    problems: Mapped[list] = mapped_column(default=list)
    failure: Mapped[str | None] = mapped_column(String(64))  # the refusal's reason when it failed
    # The file as uploaded, until the import is over (then dropped: the codes are in the pool).
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
