"""The reconciliation of a period: orders paid and refunded, the commissions they earned and lost, the settlement
runs, the withdrawals and the payouts that left, whether the books balance, and every discrepancy found.

Each figure is computed once, set-based, from its own table; the ledger's flows sit beside them so a clerk can
tie one to the other (orders -> commissions accrued; commissions settled -> settlement runs; withdrawals paid ->
payouts, manual and Stripe, and the transfers Stripe made).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.api import Page
from core.ledger import LedgerEntry
from shop.distribution.models import Settlement
from shop.finance.models import Transfer, Withdrawal
from shop.finance.service import discrepancies as checks
from shop.finance.service.books import in_period, period, tenant_currency
from shop.finance.service.reports import bucket_totals, commission_flows, flows
from shop.orders.models import Order, Refund


def reconciliation(session: Session, *, start: date | datetime | None = None,
                   end: date | datetime | None = None) -> dict:
    """The period's chain from orders to payouts, the ledger's balance, and the discrepancies."""
    start, end = period(session, start, end)
    currency = tenant_currency(session)
    report = summary(session, start=start, end=end, currency=currency)
    report["discrepancies"] = list(checks.find(session, start=start, end=end, currency=currency))
    return report


def iter_discrepancies(session: Session, *, start: date | datetime | None = None,
                       end: date | datetime | None = None) -> Iterator[dict]:
    """The period's discrepancies alone, one after the other (for CSV)."""
    start, end = period(session, start, end)
    yield from checks.find(session, start=start, end=end, currency=tenant_currency(session))


def summary(session: Session, *, start: datetime | None, end: datetime | None, currency: str) -> dict:
    moved = commission_flows(flows(session, start=start, end=end, currency=currency))
    owed = bucket_totals(session, end=end, currency=currency)
    totals = _ledger_totals(session, end=end)
    return {
        "currency": currency, "start": start, "end": end,
        "orders": _orders(session, start=start, end=end, currency=currency),
        "commissions": {name: moved[name] for name in ("accrued", "clawed_back", "cancelled", "settled")}
        | {"net": moved["accrued"] - moved["clawed_back"] - moved["cancelled"]},
        "settlements": _settlements(session, start=start, end=end, currency=currency),
        "withdrawals": _withdrawals(session, start=start, end=end, currency=currency)
        | {"withdrawing": owed["withdrawing"]},
        "payouts": _payouts(session, start=start, end=end, currency=currency),
        "ledger": {"balanced": not any(totals.values()), "total": totals.get(currency, 0),
                   "requested": moved["requested"], "returned": moved["returned"], "withdrawn": moved["withdrawn"],
                   "paid": moved["paid"], "fees": moved["fees"], "frozen": owed["frozen"],
                   "available": owed["available"], "withdrawing": owed["withdrawing"]},
    }


def _orders(session: Session, *, start, end, currency: str) -> dict:
    paid_count, paid = session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total), 0))
        .where(Order.paid_at.is_not(None), Order.currency == currency, *in_period(Order.paid_at, start, end))).one()
    refunded_count, refunded = session.execute(
        select(func.count(), func.coalesce(func.sum(Refund.amount), 0))
        .join(Order, Order.id == Refund.order_id)
        .where(Refund.status == "succeeded", Refund.kind == "merchant", Order.currency == currency,
               *in_period(Refund.settled_at, start, end))).one()
    return {"paid": int(paid), "paid_count": paid_count, "refunded": int(refunded), "refunded_count": refunded_count,
            "net": int(paid) - int(refunded)}


def _settlements(session: Session, *, start, end, currency: str) -> dict:
    runs, commissions, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(Settlement.commissions), 0),
               func.coalesce(func.sum(Settlement.amount), 0))
        .where(Settlement.status == "completed", Settlement.currency == currency,
               *in_period(Settlement.completed_at, start, end))).one()
    return {"runs": runs, "commissions": int(commissions), "amount": int(amount)}


def _withdrawals(session: Session, *, start, end, currency: str) -> dict:
    def within(column):
        return select(func.count(), func.coalesce(func.sum(Withdrawal.amount), 0),
                      func.coalesce(func.sum(Withdrawal.net_amount), 0), func.coalesce(func.sum(Withdrawal.fee), 0)
                      ).where(Withdrawal.currency == currency, column.is_not(None), *in_period(column, start, end))

    requested = session.execute(within(Withdrawal.created_at)).one()
    rejected = session.execute(within(Withdrawal.rejected_at)).one()
    failed = session.execute(within(Withdrawal.failed_at)).one()
    paid = session.execute(within(Withdrawal.paid_at)).one()
    return {"requested": int(requested[1]), "requested_count": requested[0],
            "rejected": int(rejected[1]), "failed": int(failed[1]),
            "paid": int(paid[1]), "paid_count": paid[0], "net_paid": int(paid[2]), "fees": int(paid[3])}


def _payouts(session: Session, *, start, end, currency: str) -> dict:
    by_method = dict(session.execute(
        select(Withdrawal.method, func.coalesce(func.sum(Withdrawal.net_amount), 0))
        .where(Withdrawal.currency == currency, Withdrawal.paid_at.is_not(None),
               *in_period(Withdrawal.paid_at, start, end))
        .group_by(Withdrawal.method)).all())
    transfers, transferred = session.execute(
        select(func.count(Transfer.id), func.coalesce(func.sum(Transfer.amount - Transfer.amount_reversed), 0))
        .join(Withdrawal, Withdrawal.id == Transfer.withdrawal_id)
        .where(Transfer.currency == currency, Withdrawal.paid_at.is_not(None),
               *in_period(Withdrawal.paid_at, start, end))).one()
    return {"manual": int(by_method.get("manual", 0)), "stripe_connect": int(by_method.get("stripe_connect", 0)),
            "transfers": transfers, "transferred": int(transferred)}


def _ledger_totals(session: Session, *, end) -> dict[str, int]:
    query = select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.currency)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return {currency: int(total) for currency, total in session.execute(query)}


def list_discrepancies(session: Session, *, start: date | datetime | None = None,
                       end: date | datetime | None = None, limit: int) -> Page:
    """The period's discrepancies, at most `limit` of them (`has_more` says there are others: the CSV has all)."""
    found = list(islice(iter_discrepancies(session, start=start, end=end), limit + 1))
    return Page(found[:limit], has_more=len(found) > limit)
