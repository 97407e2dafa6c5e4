"""Commissions: recorded when an order is paid, shrunk by refunds, final when after-sales closes.

Every change posts to the ledger in the same transaction (shop/distribution/accounts.py names the
accounts): accrual when recorded, clawback when a refund shrinks one, cancellation when a refund
leaves its line nothing, settlement in settlement.py.

Recording a paid order's commissions costs two round trips on PostgreSQL: one read (the buyer's account, its
chain of bindings, the products' overrides: `_CHAIN_AND_OVERRIDES`), then the commissions with their accrual
(`_RECORD_AND_POST`, no savepoint). The rules stay in Python (rules.py) on every path; other dialects take the
general path, a statement at a time (tests/integration/distribution/test_recording_commissions_on_postgres.py
holds the two to the same rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, ledger
from core.driver import execute_on_driver
from core.events import LineAmount
from core.ids import new_id, new_ids
from core.tenancy import require_tenant_id
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
    product_ids = [line.product_id for line in lines]
    if _fast(session):
        own, uplines, overrides = _chain_and_overrides(session, buyer_id=customer_id, product_ids=product_ids)
        chain = _own_link_as_read(session, buyer_id=customer_id, settings=settings, read=own) + uplines
        earners = rules.earners(chain, levels=settings["levels"])
    else:
        earners = rules.earners(_sale_chain(session, buyer_id=customer_id, settings=settings),
                                levels=settings["levels"])
        overrides = commission_overrides(session, product_ids=product_ids) if earners else {}
    if not earners:
        return []
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


def _fast(session: Session) -> bool:
    """PostgreSQL takes the one-statement reads and writes below; other dialects (SQLite, the embedded
    default) the general path, statement by statement."""
    return session.get_bind().dialect.name == "postgresql"


def _sale_chain(session: Session, *, buyer_id: str, settings: dict) -> list[tuple[str, str]]:
    """Who would take levels 1 and 2, with their statuses: the buyer itself when it buys for itself and
    distributes (approved, or suspended: then level 1 is skipped), then its bound distributor, then that
    one's bound distributor."""
    chain = _own_link(session, buyer_id=buyer_id, settings=settings)
    upline_of = buyer_id
    while len(chain) < settings["levels"]:
        distributor = bound_distributor(session, customer_id=upline_of)
        if distributor is None:
            break
        chain.append((distributor.id, distributor.status))
        upline_of = distributor.customer_id
    return chain


def _own_link(session: Session, *, buyer_id: str, settings: dict) -> list[tuple[str, str]]:
    """The buyer itself, at the head of the chain, when it buys for itself and distributes (approved, or
    suspended: then level 1 is skipped)."""
    if not settings["self_purchase"]:
        return []
    own = (ensure_approved_under_everyone(session, customer_id=buyer_id) if settings["who"] == "everyone"
           else find_account(session, customer_id=buyer_id))
    return _as_link(None if own is None else (own.id, own.status))


def _own_link_as_read(session: Session, *, buyer_id: str, settings: dict,
                      read: tuple[str, str] | None) -> list[tuple[str, str]]:
    """`_own_link` from the buyer's account as `_chain_and_overrides` read it (None: it has none): only where
    everyone distributes and the account is missing or `none` is there more to do (it is approved now)."""
    if not settings["self_purchase"]:
        return []
    if settings["who"] == "everyone" and (read is None or read[1] == "none"):
        own = ensure_approved_under_everyone(session, customer_id=buyer_id)
        read = None if own is None else (own.id, own.status)
    return _as_link(read)


def _as_link(account: tuple[str, str] | None) -> list[tuple[str, str]]:
    return [account] if account is not None and account[1] in ("approved", "suspended") else []


def _chain_and_overrides(session: Session, *, buyer_id: str, product_ids: list[str]
                         ) -> tuple[tuple[str, str] | None, list[tuple[str, str]], dict[str, dict]]:
    """PostgreSQL, in one round trip: the buyer's own account (id, status) if any; its bound distributor and
    that one's (with their statuses); the commission override of each product that has one. The chain is
    always read two links up; `rules.earners` keeps the levels the tenant pays."""
    own, links, overrides = None, {}, {}
    for row in execute_on_driver(session, _CHAIN_AND_OVERRIDES, {
            "tenant_id": require_tenant_id(), "buyer_id": buyer_id, "now": clock.now(),
            "product_ids": sorted(set(product_ids))}).rows:
        if row.link == -1:
            own = (row.id, row.status)
        elif row.link:
            links[row.link] = (row.id, row.status)
        elif row.commission:
            overrides[row.id] = row.commission
    return own, [links[link] for link in sorted(links)], overrides


# Reads only, so safe to run at any point of the payment's transaction. Link -1 is the buyer's own account
# (`find_account`: one per customer). Link 1 is the buyer's unexpired binding's distributor, link 2 that
# distributor's own customer's unexpired binding's distributor, exactly what `bound_distributor` finds twice
# over on the general path (a binding is one row per customer, so each link is one row or none; no second link
# without a first). `:now` is the application clock, as there. Link 0 rows are products:
# `shop.catalog.service.commission_overrides`'s query (overrides that are set).
_CHAIN_AND_OVERRIDES = text("""
WITH first AS (
  SELECT d.id, d.status, d.customer_id
  FROM distribution_bindings AS b JOIN distributors AS d ON d.tenant_id = b.tenant_id AND d.id = b.distributor_id
  WHERE b.tenant_id = :tenant_id AND d.tenant_id = :tenant_id AND b.customer_id = :buyer_id
    AND (b.expires_at IS NULL OR b.expires_at > :now)),
second AS (
  SELECT d.id, d.status
  FROM first, distribution_bindings AS b JOIN distributors AS d ON d.tenant_id = b.tenant_id AND d.id = b.distributor_id
  WHERE b.tenant_id = :tenant_id AND d.tenant_id = :tenant_id AND b.customer_id = first.customer_id
    AND (b.expires_at IS NULL OR b.expires_at > :now))
SELECT 1 AS link, id, status, NULL::jsonb AS commission FROM first
UNION ALL SELECT 2, id, status, NULL FROM second
UNION ALL SELECT -1, id, status, NULL FROM distributors WHERE tenant_id = :tenant_id AND customer_id = :buyer_id
UNION ALL SELECT 0, id, NULL, commission FROM products
  WHERE tenant_id = :tenant_id AND id = ANY(CAST(:product_ids AS text[])) AND commission IS NOT NULL""")


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
    if _fast(session):
        return _record_and_post(session, kind=kind, order_id=order_id, customer_id=customer_id, currency=currency,
                                commissions=commissions, at=now)
    try:
        # A second payment event for the same order (or a replayed group success) lands here:
        # the unique (line, kind, level), not a prior read, keeps each commission to one.
        with session.begin_nested():
            session.add_all(commissions)
    except IntegrityError:
        return []
    ledger.post(session, kind="commission.accrual", key=_accrual_key(kind, order_id), reference=order_id,
                postings=[posting for commission in commissions
                          for posting in _pair(EXPENSE, account(commission.distributor_id, "frozen"),
                                               commission.amount, currency)])
    return commissions


def _accrual_key(kind: str, order_id: str) -> str:
    return f"accrual:{kind}:{order_id}"


def _record_and_post(session: Session, *, kind: str, order_id: str, customer_id: str, currency: str,
                     commissions: list[Commission], at) -> list[Commission]:
    """PostgreSQL: the commissions and their accrual posting in one statement (`_RECORD_AND_POST`), no
    savepoint. Returns the commissions it recorded (not added to the session: nothing reads them back)."""
    frozen_accounts = [account(commission.distributor_id, "frozen") for commission in commissions]
    recorded = {row[0] for row in execute_on_driver(session, _RECORD_AND_POST, {
        "tenant_id": require_tenant_id(), "transaction_id": new_id("ltx"), "key": _accrual_key(kind, order_id),
        "order_id": order_id, "customer_id": customer_id, "kind": kind, "currency": currency, "at": at,
        "expense": EXPENSE, "leg_ids": new_ids("len", len(set(frozen_accounts)) + 1),
        "ids": [c.id for c in commissions], "line_ids": [c.line_id for c in commissions],
        "distributor_ids": [c.distributor_id for c in commissions], "levels": [c.level for c in commissions],
        "product_ids": [c.product_id for c in commissions], "quantities": [c.quantity for c in commissions],
        "bases": [c.base for c in commissions], "nets": [c.net for c in commissions],
        "rates": [c.rate for c in commissions], "fixed_amounts": [c.fixed_amount for c in commissions],
        "amounts": [c.amount for c in commissions], "accounts": frozen_accounts}).rows}
    return [commission for commission in commissions if commission.id in recorded]


# The commissions of one order and kind, and their accrual (Dr expense / Cr each earner's frozen account), in one
# round trip and without a savepoint; the general path's outcome, whatever runs at the same time:
# - The accrual's key (`accrual:{kind}:{order}`, unique per tenant) is claimed first, and the commissions are
#   inserted only FROM `posted`: a second payment event (or a replayed group success) finds the key taken (a
#   concurrent one waits on the first's uncommitted key, then finds it taken) and records nothing, as the
#   general path's savepoint does when its INSERT meets the first run's rows. A conflict answers nothing rather
#   than failing the payment.
# - The commissions' own unique key (line, kind, level) stays the last word: a row that conflicts anyway is
#   skipped (ON CONFLICT DO NOTHING), and the entries are summed from what the INSERT returned, never from what
#   was planned, so each commission recorded is posted exactly once and nothing is posted for one that was not.
# - The legs are netted per account (one entry per account, as `ledger.post` writes them), balanced by
#   construction (expense = the sum of the earners' credits); `:leg_ids` holds one id per possible leg (the
#   expense and each earner) and a leg takes the id of its rank. The entries' foreign key to their
#   transaction is checked at the end of the statement, as in core/ledger's `_POST_TOGETHER`.
# Every table is named with tenant_id = :tenant_id (inserted rows carry it; reads pin it).
_RECORD_AND_POST = text("""
WITH posted AS (
  INSERT INTO ledger_transactions (tenant_id, id, kind, key, reference, created_at)
  VALUES (:tenant_id, :transaction_id, 'commission.accrual', :key, :order_id, :at)
  ON CONFLICT (tenant_id, key) DO NOTHING RETURNING id),
planned AS (
  SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:line_ids AS text[]), CAST(:distributor_ids AS text[]),
                       CAST(:levels AS integer[]), CAST(:product_ids AS text[]), CAST(:quantities AS integer[]),
                       CAST(:bases AS bigint[]), CAST(:nets AS bigint[]), CAST(:rates AS text[]),
                       CAST(:fixed_amounts AS bigint[]), CAST(:amounts AS bigint[]), CAST(:accounts AS text[]))
    AS planned (id, line_id, distributor_id, level, product_id, quantity, base, net, rate, fixed_amount, amount,
                account)),
recorded AS (
  INSERT INTO commissions (tenant_id, id, order_id, line_id, customer_id, distributor_id, level, kind, product_id,
                           quantity, currency, base, net, rate, fixed_amount, amount, status, created_at)
  SELECT :tenant_id, planned.id, :order_id, planned.line_id, :customer_id, planned.distributor_id, planned.level,
         :kind, planned.product_id, planned.quantity, :currency, planned.base, planned.net, planned.rate,
         planned.fixed_amount, planned.amount, 'frozen', :at
  FROM posted, planned
  ON CONFLICT (tenant_id, line_id, kind, level) DO NOTHING
  RETURNING id, amount),
moved AS (
  SELECT planned.account, recorded.amount FROM recorded JOIN planned ON planned.id = recorded.id),
legs AS (
  SELECT CAST(:expense AS text) AS account, sum(amount) AS amount FROM moved HAVING count(*) > 0
  UNION ALL SELECT account, -sum(amount) FROM moved GROUP BY account),
entries AS (
  INSERT INTO ledger_entries (tenant_id, id, transaction_id, account, currency, amount, created_at)
  SELECT :tenant_id, leg_id.id, posted.id, legs.account, :currency, legs.amount, :at
  FROM posted,
       (SELECT account, amount, row_number() OVER (ORDER BY account) AS rank FROM legs) AS legs
       JOIN unnest(CAST(:leg_ids AS text[])) WITH ORDINALITY AS leg_id (id, rank) ON leg_id.rank = legs.rank
  RETURNING 1)
SELECT id FROM recorded""")


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

