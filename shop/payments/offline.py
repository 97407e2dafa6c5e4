"""The offline provider's payment in one round trip: the order settled and read back by the same statement.

The general path (shop/payments/service.py) reads the order with its lines and payment, checks it, then
settles it: two statements and an ORM load. Here one statement moves the order to paid and its payment to
succeeded under the same guards (the order awaits payment, is the customer's when a customer pays, and is
paid offline) and returns the order, its payment and its lines, from which the objects are built and put
in the session as if loaded. When the guards refuse, nothing changed and the caller takes the general path,
which says why (404, paid through Stripe, or not awaiting payment).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import clock
from core.db import returning
from core.driver import execute_on_driver
from core.tenancy import require_tenant_id
from core.writes import adopt, attach, built
from shop.orders.models import Order, OrderLine
from shop.payments.models import Payment


def settle_and_read(session: Session, *, order_id: str, customer_id: str | None) -> Order | None:
    """The order paid, with its lines and payment, in `session`; None if the guards refused (nothing changed).
    PostgreSQL only, and only in a session that holds no objects yet (the built ones join it)."""
    now = clock.now()
    rows = execute_on_driver(session, _statement(), {"tenant_id": require_tenant_id(), "order_id": order_id,
                                                    "customer_id": customer_id, "now": now}).rows
    if not rows:
        return None
    # Each row holds the order's columns, then the payment's, then one line's (in `_columns`' order).
    (order_keys, payment_keys, line_keys), (order_end, payment_end, line_end), line_id = _layout()
    first = rows[0]
    order = built(Order, **dict(zip(order_keys, first[:order_end], strict=True)))
    payment = built(Payment, **dict(zip(payment_keys, first[order_end:payment_end], strict=True)))
    built_lines = [built(OrderLine, **dict(zip(line_keys, row[payment_end:line_end], strict=True)))
                   for row in rows if row[line_id] is not None]  # (no line: the LEFT JOIN's NULLs)
    attach(order, lines=built_lines, payment=payment)
    adopt(session, [order, payment, *built_lines])
    if first[line_end]:  # settled: the payment's row as the statement left it (the SELECT saw it before the UPDATE)
        set_committed_value(payment, "status", "succeeded")
        set_committed_value(payment, "succeeded_at", now)
    return order


@cache
def _columns() -> tuple:
    return tuple(tuple(model.__table__.columns) for model in (Order, Payment, OrderLine))


@cache
def _layout() -> tuple:
    """Each model's attribute keys, where each model's columns end in a row, and where the line's id is."""
    keys = tuple(tuple(column.key for column in columns) for columns in _columns())
    ends = tuple(sum(len(columns) for columns in keys[:upto]) for upto in (1, 2, 3))
    return keys, ends, ends[1] + keys[2].index("id")


@cache
def _statement():
    """Built once, on first use (from the tables' columns, so a new column is read too)."""
    orders, payments, lines = _columns()
    labelled = [(alias, prefix, column) for alias, prefix, columns in (("paid", "o", orders), ("p", "p", payments),
                                                                       ("l", "l", lines)) for column in columns]
    names = [f"{prefix}_{column.key}" for _, prefix, column in labelled]
    selected = ", ".join(f"{alias}.{column.name} AS {name}"
                         for (alias, _, column), name in zip(labelled, names, strict=True))
    # A staff confirmation, a customer's and the unpaid-timeout job may race: the guards on the prior states
    # decide, as `mark_paid` and the payment's `pending -> succeeded` would one after the other.
    return returning(text(f"""
WITH paid AS (
    UPDATE orders SET status = 'paid', paid_at = :now
    WHERE tenant_id = :tenant_id AND id = :order_id AND status = 'pending_payment'
      AND (CAST(:customer_id AS text) IS NULL OR customer_id = :customer_id)
      AND EXISTS (SELECT 1 FROM payments WHERE payments.tenant_id = :tenant_id AND payments.order_id = :order_id
                                             AND payments.provider = 'offline')
    RETURNING *),
settled AS (
    UPDATE payments SET status = 'succeeded', succeeded_at = :now FROM paid
    WHERE payments.tenant_id = :tenant_id AND payments.order_id = :order_id AND payments.status = 'pending'
      AND payments.tenant_id = paid.tenant_id AND payments.order_id = paid.id
    RETURNING payments.id)
SELECT {selected}, (SELECT count(*) FROM settled) AS settled
FROM paid
JOIN payments p ON p.tenant_id = paid.tenant_id AND p.order_id = paid.id
LEFT JOIN order_lines l ON l.tenant_id = paid.tenant_id AND l.order_id = paid.id
ORDER BY l.position"""), *names, "settled", **dict(zip(names, (column.type for _, _, column in labelled), strict=True)))
