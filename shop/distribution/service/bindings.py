"""Binding customers to the distributor whose invite code they arrive with.

A binding may never close a cycle, of any length. The walk up the chain can only see committed
bindings, so two bindings that would close a cycle together (A->B and B->A, or the last links of a
longer ring) must not be decided at the same time: every binding of a tenant takes one transaction-level
advisory lock first, which serialises them (a few milliseconds each) and lets each walk see the others.
"""

from __future__ import annotations

import zlib
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core import clock
from core.errors import NotFound
from core.tenancy import require_tenant_id
from shop.distribution import rules as distribution_rules_pure
from shop.distribution.errors import (
    AlreadyBound,
    BindingCycle,
    DistributionDisabled,
    NotADistributor,
    SelfBinding,
)
from shop.distribution.models import Binding, Distributor
from shop.distribution.service.distributors import ensure_approved_under_everyone, find_account
from shop.distribution.settings import distribution_rules
from tenants.customers.service import find_by_invite_code


def bind(session: Session, *, customer_id: str, invite_code: str, source: str) -> Binding:
    """Bind a customer to the distributor owning `invite_code`, by the tenant's binding rules.

    Refusals: DistributionDisabled, NotFound (unknown code), SelfBinding, NotADistributor (its owner is not
    an approved distributor), AlreadyBound (first_touch keeps an unexpired binding), BindingCycle.
    """
    rules = distribution_rules(session)
    if not rules["enabled"]:
        raise DistributionDisabled()
    owner = find_by_invite_code(session, invite_code=invite_code)
    if owner is None:
        raise NotFound("No customer has this invite code")
    if owner.id == customer_id:
        raise SelfBinding()
    _lock_bindings_of_tenant(session)
    if rules["who"] == "everyone":
        distributor = ensure_approved_under_everyone(session, customer_id=owner.id)
    else:
        distributor = find_account(session, customer_id=owner.id)
    if distributor is None or distributor.status != "approved":
        raise NotADistributor()
    now = clock.now()
    existing = session.scalars(select(Binding).where(Binding.customer_id == customer_id)).one_or_none()
    if existing is not None and distribution_rules_pure.keeps_existing_binding(
            mode=rules["binding"], expires_at=existing.expires_at, now=now):
        raise AlreadyBound()
    if _upline_reaches(session, start=owner.id, target=customer_id):
        raise BindingCycle()
    expires_at = now + timedelta(days=rules["binding_days"]) if rules["binding_days"] else None
    if existing is None:
        existing = Binding(customer_id=customer_id)
        session.add(existing)
    existing.distributor_id, existing.source = distributor.id, source
    existing.bound_at, existing.expires_at = now, expires_at
    session.flush()
    return existing


def bound_distributor(session: Session, *, customer_id: str) -> Distributor | None:
    """The distributor a customer is bound to now (an expired binding binds no one)."""
    now = clock.now()
    return session.scalars(
        select(Distributor).join(Binding, Binding.distributor_id == Distributor.id)
        .where(Binding.customer_id == customer_id, _unexpired(now))
    ).one_or_none()


def _upline_reaches(session: Session, *, start: str, target: str) -> bool:
    """Whether walking up from customer `start` (its distributor's owner, and so on) reaches `target`.

    One query per link of the chain, which is as long as the tree is deep; the visited set ends any
    loop that bad data could hold.
    """
    now = clock.now()
    seen, current = {start}, start
    while True:
        parent = session.scalar(
            select(Distributor.customer_id).join(Binding, Binding.distributor_id == Distributor.id)
            .where(Binding.customer_id == current, _unexpired(now))
        )
        if parent is None or parent in seen:
            return False
        if parent == target:
            return True
        seen.add(parent)
        current = parent


def _unexpired(now):
    return Binding.expires_at.is_(None) | (Binding.expires_at > now)


def _lock_bindings_of_tenant(session: Session) -> None:
    # Held to the end of the transaction; SQLite has one writer at a time and needs nothing.
    if session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(f"distribution-bindings:{require_tenant_id()}".encode())
    session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                    {"namespace": 0x0D15, "key": key - 2**31})
