"""Commissions: recorded when an order is paid, shrunk by refunds, final when after-sales closes.

Every change posts to the ledger in the same transaction (shop/distribution/accounts.py names the
accounts): accrual when recorded, clawback when a refund shrinks one, cancellation when a refund
leaves its line nothing, settlement in settlement.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, ledger
from core.events import LineAmount
from core.ids import new_id
from shop.catalog.service import commission_overrides
from shop.distribution import rules
from shop.distribution.accounts import EXPENSE, account
from shop.distribution.models import Commission
from shop.distribution.service.bindings import bound_distributor
from shop.distribution.service.distributors import (
    ensure_approved_under_everyone,
    ensure_earner_account,
    find_account,
)
from shop.distribution.settings import distribution_rules


def record_for_order(session: Session, *, order_id: str, customer_id: str, currency: str,
                     lines: Sequence[LineAmount]) -> list[Commission]:
    """Record the sale commissions of a paid order: one per line per earning level, never twice."""
    settings = distribution_rules(session)
    if not settings["enabled"]:
        return []
    earners = rules.earners(_sale_chain(session, buyer_id=customer_id, settings=settings), levels=settings["levels"])
    if not earners:
        return []
    overrides = commission_overrides(session, product_ids=[line.product_id for line in lines])
    tenant_rates = {1: settings["level1_rate"], 2: settings["level2_rate"]}
    planned = []
    for line in lines:
        for level, distributor_id in earners:
            rule = rules.rule_for_level(level, product=overrides.get(line.product_id), tenant_rate=tenant_rates[level])
            if rule is not None:
                planned.append((line, level, distributor_id, rule))
    return _record(session, kind="sale", order_id=order_id, customer_id=customer_id, currency=currency,
                   planned=planned)


def record_leader_commission(session: Session, *, leader_customer_id: str, order_id: str, customer_id: str,
                             currency: str, lines: Sequence[LineAmount], rate: Decimal,
                             refunded: Mapping[str, int] | None = None) -> list[Commission]:
    """Record a group leader's commission (kind `group_leader`, level 1) on each line of a member's paid order.

    `lines` carry what was paid per line; `refunded` what refunds took from a line already, if any. The
    leader earns whether or not it distributes: an account with status `none` is opened for it. A
    suspended leader earns nothing new. Frozen, clawed back and settled like every commission.
    """
    leader = ensure_earner_account(session, customer_id=leader_customer_id)
    if leader.status == "suspended":
        return []
    rule = rules.Rule(rate=Decimal(rate))
    planned = [(line, 1, leader.id, rule) for line in lines]
    return _record(session, kind="group_leader", order_id=order_id, customer_id=customer_id, currency=currency,
                   planned=planned, refunded=refunded or {})


def shrink_for_refund(session: Session, *, order_id: str, refund_id: str, currency: str,
                      lines: Iterable[LineAmount]) -> None:
    """Shrink the order's frozen commissions to what each line's remaining net earns; a line left with
    nothing cancels them. Posts the clawback and the cancellation, each once per refund."""
    refunded = defaultdict(int)
    for line in lines:
        refunded[line.line_id] += line.amount
    if not any(refunded.values()):
        return
    # Locked, so that settlement (which skips locked rows) and this refund never both touch one.
    affected = list(session.scalars(
        select(Commission).where(Commission.order_id == order_id, Commission.line_id.in_(list(refunded)),
                                 Commission.status == "frozen")
        .order_by(Commission.id).with_for_update().execution_options(populate_existing=True)))
    now = clock.now()
    clawed, cancelled = [], []
    for commission in affected:
        before = commission.amount
        commission.net, commission.amount = rules.after_refund(
            _rule_of(commission), base=commission.base, net=commission.net, quantity=commission.quantity,
            refunded=refunded[commission.line_id])
        if commission.net == 0:
            commission.status, commission.cancelled_at = "cancelled", now
            cancelled.append((commission, before))
        elif before != commission.amount:
            clawed.append((commission, before - commission.amount))
    session.flush()
    ledger.post(session, kind="commission.clawback", key=f"clawback:{refund_id}", reference=order_id,
                postings=_reversal(clawed, currency))
    ledger.post(session, kind="commission.cancel", key=f"cancel:{refund_id}", reference=order_id,
                postings=_reversal(cancelled, currency))


def finalize_for_order(session: Session, *, order_id: str) -> int:
    """The order's after-sales window closed: its frozen commissions are due for settlement. Returns how many."""
    return session.execute(
        update(Commission)
        .where(Commission.order_id == order_id, Commission.status == "frozen", Commission.final_at.is_(None))
        .values(final_at=clock.now())
    ).rowcount


def _sale_chain(session: Session, *, buyer_id: str, settings: dict) -> list[tuple[str, str]]:
    """Who would take levels 1 and 2, with their statuses: the buyer itself when it buys for itself and
    distributes (approved, or suspended: then level 1 is skipped), then its bound distributor, then that
    one's bound distributor."""
    chain = []
    if settings["self_purchase"]:
        own = (ensure_approved_under_everyone(session, customer_id=buyer_id) if settings["who"] == "everyone"
               else find_account(session, customer_id=buyer_id))
        if own is not None and own.status in ("approved", "suspended"):
            chain.append((own.id, own.status))
    upline_of = buyer_id
    while len(chain) < settings["levels"]:
        distributor = bound_distributor(session, customer_id=upline_of)
        if distributor is None:
            break
        chain.append((distributor.id, distributor.status))
        upline_of = distributor.customer_id
    return chain


def _record(session: Session, *, kind: str, order_id: str, customer_id: str, currency: str, planned: list,
            refunded: Mapping[str, int] | None = None) -> list[Commission]:
    now = clock.now()
    commissions = []
    for line, level, distributor_id, rule in planned:
        net = max(0, line.amount - (refunded or {}).get(line.line_id, 0))
        amount = rules.commission_amount(rule, base=line.amount, net=net, quantity=line.quantity)
        if amount <= 0:
            continue
        commissions.append(Commission(
            id=new_id("com"), order_id=order_id, line_id=line.line_id, customer_id=customer_id,
            distributor_id=distributor_id, level=level, kind=kind, product_id=line.product_id,
            quantity=line.quantity, currency=currency, base=line.amount, net=net,
            rate=None if rule.rate is None else str(rule.rate), fixed_amount=rule.fixed, amount=amount,
            status="frozen", created_at=now))
    if not commissions:
        return []
    try:
        # A second payment event for the same order (or a replayed group success) lands here:
        # the unique (line, kind, level), not a prior read, keeps each commission to one.
        with session.begin_nested():
            session.add_all(commissions)
    except IntegrityError:
        return []
    ledger.post(session, kind="commission.accrual", key=f"accrual:{kind}:{order_id}", reference=order_id,
                postings=[posting for commission in commissions
                          for posting in _pair(EXPENSE, account(commission.distributor_id, "frozen"),
                                               commission.amount, currency)])
    return commissions


def _pair(debit: str, credit: str, amount: int, currency: str) -> list[ledger.Posting]:
    return [ledger.Posting(debit, amount, currency), ledger.Posting(credit, -amount, currency)]


def _reversal(changes: list[tuple[Commission, int]], currency: str) -> list[ledger.Posting]:
    """What refunds took back: Dr the earner's frozen / Cr the shop's commission expense."""
    return [posting for commission, amount in changes if amount
            for posting in _pair(account(commission.distributor_id, "frozen"), EXPENSE, amount, currency)]


def _rule_of(commission: Commission) -> rules.Rule:
    if commission.fixed_amount is not None:
        return rules.Rule(fixed=commission.fixed_amount)
    return rules.Rule(rate=Decimal(commission.rate))

