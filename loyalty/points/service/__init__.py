"""Points: the ledger, its lots and accounts, earning, spending, expiry, reading and the finance report."""

from loyalty.points.service.earning import (
    Credit,
    PaidOrder,
    adjust,
    credit,
    credit_all,
    earn_for_order,
    earn_for_orders,
    settle_refund,
)
from loyalty.points.service.expiry import expire_due_lots
from loyalty.points.service.reading import (
    customer_entries,
    customer_summary,
    list_entries,
    spendable,
    spendable_by_customer,
    summary,
)
from loyalty.points.service.report import points_report
from loyalty.points.service.settlement import settle_paid_order
from loyalty.points.service.spending import (
    hold_by_wallet,
    hold_for_order,
    hold_in_one_statement,
    hold_statement,
    release_for_order,
    settle_for_order,
    spend,
)

__all__ = [
    "Credit", "PaidOrder", "adjust", "credit", "credit_all", "customer_entries", "customer_summary",
    "earn_for_order", "earn_for_orders", "expire_due_lots", "hold_by_wallet", "hold_for_order",
    "hold_in_one_statement", "hold_statement", "list_entries", "points_report", "release_for_order",
    "settle_for_order", "settle_paid_order", "settle_refund", "spend", "spendable", "spendable_by_customer",
    "summary",
]
