"""Qualification: the invitee's first real order makes a pending referral `qualified` (or `capped`), once.

Runs in the order's transaction (from the order event handlers); the rewards themselves are a job
(`rewarding.py`), so a payment never waits on, or fails for, the inviter's points or a sold-out coupon.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Row, bindparam, text, update
from sqlalchemy.orm import Session

from core import clock, jobs
from core.db import UTCDateTime, insert_ignoring_conflicts, returning
from core.driver import defer_on_driver
from core.tenancy import require_tenant_id
from loyalty.referrals.models import Referral, ReferralDailyCount
from loyalty.referrals.rules import amount_qualifies, local_day
from loyalty.referrals.settings import referral_rules
from loyalty.settings import loyalty_rules
from tenants.customers import service as customers
from tenants.settings import service as settings

REWARD_JOB = "loyalty.referrals.reward"


# Every checkout and payment of every buyer runs these (issue 14): SQL text that never changes, so no
# statement is built per order and each is prepared once; `:tenant_id` bound as the tenancy hook demands.
_FIRST_ORDERED = text(
    "UPDATE referrals SET first_ordered_at = :now "
    "WHERE tenant_id = :tenant_id AND invitee_id = :invitee_id AND first_ordered_at IS NULL"
).bindparams(bindparam("now", type_=UTCDateTime()))
_FIRST_PAID = text(
    "UPDATE referrals SET first_paid_at = :now, first_ordered_at = coalesce(first_ordered_at, :now) "
    "WHERE tenant_id = :tenant_id AND id = :id AND first_paid_at IS NULL"
).bindparams(bindparam("now", type_=UTCDateTime()))
# Most buyers were referred by nobody: then this finds nothing, and is all a payment asks of referrals.
_REFERRAL_OF = returning(text(
    "SELECT id, inviter_id, invitee_id, status, first_paid_at FROM referrals "
    "WHERE tenant_id = :tenant_id AND invitee_id = :invitee_id"
), "id", "inviter_id", "invitee_id", "status", "first_paid_at", first_paid_at=UTCDateTime())


# Customers known to be nobody's invitee, per process: their orders skip both statements above (two round
# trips of every order, issue 14). Final once seen: a referral is only ever made in the transaction that
# creates its invitee (binding.bind_at_login, for a customer that login created), and a customer orders, pays
# or is confirmed paid only after that transaction committed, so a later read that finds none finds none
# for good. Bounded: cleared when full, which only costs the reads again.
_NOT_INVITED_LIMIT = 50_000
_not_invited: set[tuple[str, str]] = set()


def record_order_placed(session: Session, *, customer_id: str) -> None:
    """The funnel's `ordered`: when the invitee (if this customer is one) first placed an order."""
    if (require_tenant_id(), customer_id) in _not_invited:
        return
    # Nothing reads what it wrote: it goes with the checkout's next statement or its COMMIT.
    defer_on_driver(session, _FIRST_ORDERED, {"tenant_id": require_tenant_id(), "invitee_id": customer_id,
                                              "now": clock.now()})


def record_order_paid(session: Session, *, customer_id: str, order_id: str, amount: int) -> None:
    """The funnel's `paid`, and qualification where the tenant qualifies on the first paid order."""
    referral = _referral_of(session, invitee_id=customer_id)
    if referral is None:
        return
    if referral.first_paid_at is None:
        session.execute(_FIRST_PAID, {"tenant_id": require_tenant_id(), "id": referral.id, "now": clock.now()})
    _qualify(session, referral, order_id=order_id, amount=amount, rule="first_order_paid")


def record_order_final(session: Session, *, customer_id: str, order_id: str, amount_kept: int) -> None:
    """Qualification where the tenant waits for an order's after-sales window to close (`amount_kept` is
    what was paid less what was refunded: a fully refunded order keeps nothing and qualifies nobody)."""
    referral = _referral_of(session, invitee_id=customer_id)
    if referral is not None:
        _qualify(session, referral, order_id=order_id, amount=amount_kept, rule="first_order_final")


def _referral_of(session: Session, *, invitee_id: str) -> Row | None:
    """What qualification reads of the invitee's referral (a row, not an entity: nothing to keep in step)."""
    key = (require_tenant_id(), invitee_id)
    if key in _not_invited:
        return None
    referral = session.execute(_REFERRAL_OF, {"tenant_id": key[0], "invitee_id": invitee_id}).one_or_none()
    if referral is None:
        if len(_not_invited) >= _NOT_INVITED_LIMIT:
            _not_invited.clear()
        _not_invited.add(key)
    return referral


def _qualify(session: Session, referral: Row, *, order_id: str, amount: int, rule: str) -> None:
    if referral.status != "pending":  # the common case, read cheaply; the guarded update below decides
        return
    rules = referral_rules(session)
    if not rules["enabled"] or rules["qualify_on"] != rule or not _eligible(session, referral, amount=amount):
        return
    now = clock.now()
    day = local_day(now, timezone=loyalty_rules(session)["timezone"])
    terms = {key: rules[key] for key in ("inviter_points", "invitee_points", "inviter_coupon_template_id",
                                         "invitee_coupon_template_id")}
    # Two orders of one invitee may qualify at the same moment (paid together, or two after-sales windows
    # closing together): the guard on `pending`, not the read above, lets exactly one of them through.
    moved = session.execute(
        update(Referral).where(Referral.id == referral.id, Referral.status == "pending")
        .values(status="qualified", qualified_at=now, qualified_on=rule, qualifying_order_id=order_id,
                qualified_local_date=day, terms=terms)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return
    if not _within_daily_cap(session, inviter_id=referral.inviter_id, day=day, cap=rules["inviter_daily_cap"]):
        session.execute(update(Referral).where(Referral.id == referral.id).values(status="capped")
                        .execution_options(synchronize_session=False))
    _forget(session, referral.id)
    jobs.enqueue(session, REWARD_JOB, key=f"referral:{referral.id}:reward", referral_id=referral.id)


def _forget(session: Session, referral_id: str) -> None:
    """An entity of this referral loaded earlier in the session is stale now: read it again when asked."""
    loaded = session.identity_map.get(session.identity_key(Referral, (require_tenant_id(), referral_id)))
    if loaded is not None:
        session.expire(loaded)


def _eligible(session: Session, referral: Row, *, amount: int) -> bool:
    """Abuse guards (docs/decisions.md): real money at least `earn_min_order_amount`, and no dev-login
    account on either side where dev login is off (such accounts are test fixtures, not people)."""
    if not amount_qualifies(amount, minimum=loyalty_rules(session)["earn_min_order_amount"]):
        return False
    if settings.section(session, "auth")["dev_login_enabled"]:
        return True
    providers = {customers.get_customer(session, customer_id=customer_id).provider
                 for customer_id in (referral.inviter_id, referral.invitee_id)}
    return "dev" not in providers


def _within_daily_cap(session: Session, *, inviter_id: str, day: date, cap: int | None) -> bool:
    """Count a qualification on the inviter's local day, unless the cap is reached (then False)."""
    insert_ignoring_conflicts(
        session, ReferralDailyCount.__table__,
        {"tenant_id": require_tenant_id(), "inviter_id": inviter_id, "local_date": day, "qualified": 0},
        index_elements=["tenant_id", "inviter_id", "local_date"],
    )
    # An inviter's friends may qualify at the same moment: the guarded counter, not a count of referrals
    # read beforehand, decides which of them still reward the inviter.
    statement = update(ReferralDailyCount).where(ReferralDailyCount.inviter_id == inviter_id,
                                                 ReferralDailyCount.local_date == day)
    if cap is not None:
        statement = statement.where(ReferralDailyCount.qualified < cap)
    return bool(session.execute(statement.values(qualified=ReferralDailyCount.qualified + 1)
                                .execution_options(synchronize_session=False)).rowcount)
