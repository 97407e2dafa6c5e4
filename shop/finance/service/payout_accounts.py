"""Payout accounts: the Stripe connected account (`acct_…`) a distributor is paid to by Stripe Connect."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.errors import NotFound
from shop.distribution import service as distribution
from shop.finance.models import PayoutAccount


def set_payout_account(session: Session, *, customer_id: str, stripe_account_id: str) -> PayoutAccount:
    """Register (or replace) the customer's connected account; withdrawals requested from now on are paid to it."""
    distributor = distribution.find_account(session, customer_id=customer_id)
    if distributor is None:
        raise NotFound("You have no distributor account")
    now = clock.now()
    found = payout_account_of(session, distributor_id=distributor.id)
    if found is None:
        found = PayoutAccount(distributor_id=distributor.id, stripe_account_id=stripe_account_id, created_at=now,
                              updated_at=now)
        try:
            # Two first registrations at once: the primary key keeps one row, and the loser updates it.
            with session.begin_nested():
                session.add(found)
            return found
        except IntegrityError:
            found = payout_account_of(session, distributor_id=distributor.id)
    found.stripe_account_id, found.updated_at = stripe_account_id, now
    session.flush()
    return found


def my_payout_account(session: Session, *, customer_id: str) -> PayoutAccount:
    """The customer's payout account; 404 without one."""
    distributor = distribution.find_account(session, customer_id=customer_id)
    found = payout_account_of(session, distributor_id=distributor.id) if distributor else None
    if found is None:
        raise NotFound("No payout account is registered")
    return found


def payout_account_of(session: Session, *, distributor_id: str) -> PayoutAccount | None:
    return session.scalars(select(PayoutAccount).where(PayoutAccount.distributor_id == distributor_id)).one_or_none()
