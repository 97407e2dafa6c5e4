"""What a paid order does to points, in one go: the points it held are spent, and what it earns is credited."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from core import clock
from core.driver import execute_on_driver
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.points.service.earning import PaidOrder, earn_for_orders, earnings, lot_terms
from loyalty.points.service.spending import SETTLE_CTES, settle_for_order


def settle_paid_order(session: Session, *, customer_id: str, order_id: str, paid: int, currency: str,
                      points_used: bool) -> None:
    """The order was paid: the points it held (if it used any) are spent for good, and what it earns is credited,
    each once whatever the deliveries (`settle_for_order`, then `earn_for_orders`)."""
    order = PaidOrder(customer_id, order_id, paid, currency)
    if points_used and session.get_bind().dialect.name == "postgresql":
        [earned] = earnings(session, [order])
        if earned is not None:
            now = clock.now()
            [terms] = lot_terms(session, [earned], now)
            session.flush()  # the statement must see this unit of work's rows, as the ORM's reads did
            found, owing = execute_on_driver(session, _SETTLE_AND_EARN, {
                "tenant_id": require_tenant_id(), "customer_id": customer_id, "order_id": order_id, "now": now,
                "entry_id": new_id("pte"), "lot_id": new_id("plt"), "points": earned.points,
                "source": earned.source, **terms}).one()
            if found and not owing:
                return
            if found:  # the hold is settled; the credit pays the debt first, on the general path
                earn_for_orders(session, [order], entries=False)
                return
    if points_used:
        settle_for_order(session, customer_id=customer_id, order_id=order_id)
    earn_for_orders(session, [order], entries=False)


# PostgreSQL, an order that held points and earns some: `_SETTLE` (spending.py: the account locked, the hold
# moved `held -> spent` by its guard, `held` lowered) and the earning credited as `_CREDIT` (earning.py) credits
# it, in one round trip instead of two. The account is locked by the FOR UPDATE here (it exists: a hold was
# written under it), so the credit's own locking insert is not needed (and could not run: this statement
# updates the row). The earning is written only if the account owes nothing (then it is a lot of its full
# amount), `ON CONFLICT DO NOTHING` on its unique source (a second delivery credits nothing); owing, nothing is
# credited here and the caller credits on the general path, which pays the debt first. No account row: nothing
# is written, and the caller takes the general path for both. Binds `:tenant_id`, as the tenancy hook demands.
_SETTLE_AND_EARN = text(f"""
WITH {SETTLE_CTES}, earned AS (
    INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, order_id, lot_id, available_at,
                                expires_at, created_at)
    SELECT :tenant_id, :entry_id, :customer_id, 'earn', :points, :source, :order_id, :lot_id,
           CAST(:available_at AS timestamptz), CAST(:expires_at AS timestamptz), :now
    WHERE (SELECT debt FROM account) = 0
    ON CONFLICT (tenant_id, source) DO NOTHING
    RETURNING tenant_id, id, customer_id, points, lot_id, available_at, expires_at, created_at
), lot AS (
    INSERT INTO points_lots (tenant_id, id, customer_id, entry_id, points, remaining, expired, available_at,
                             expires_at, created_at)
    SELECT tenant_id, lot_id, customer_id, id, points, points, 0, available_at, expires_at, created_at FROM earned
)
SELECT EXISTS (SELECT FROM account) AS found, coalesce((SELECT debt FROM account), 0) > 0 AS owing""")
