"""Binding at login: a customer that this login created becomes the referral of the invite code's owner."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.referrals.models import Referral
from loyalty.referrals.settings import referral_rules
from tenants.customers import service as customers
from tenants.customers.models import Customer

BOUND = {"status": "bound"}
IGNORED = {"status": "ignored"}


def bind_at_login(session: Session, *, customer: Customer, created: bool, invite_code: str) -> dict:
    """Bind a new customer to the owner of `invite_code`, once and for good. Everything else is ignored,
    never refused: an existing customer, its own code, a code of nobody here, or referrals switched off."""
    if not created or not referral_rules(session)["enabled"]:
        return IGNORED
    inviter = customers.find_by_invite_code(session, invite_code=invite_code)
    if inviter is None or inviter.id == customer.id or _known_person(session, customer):
        return IGNORED
    if not customers.set_referrer(session, customer_id=customer.id, inviter_id=inviter.id):
        return IGNORED
    # One referral per invitee: the unique key, not a prior read, keeps it to one.
    inserted = insert_ignoring_conflicts(
        session, Referral.__table__,
        {"tenant_id": require_tenant_id(), "id": new_id("ref"), "inviter_id": inviter.id,
         "invitee_id": customer.id, "status": "pending", "created_at": clock.now()},
        index_elements=["tenant_id", "invitee_id"],
    )
    return BOUND if inserted else IGNORED


def _known_person(session: Session, customer: Customer) -> bool:
    """A new openid whose WeChat unionid another customer already has is a person the shop knows (a new
    mini-program of the same merchant, another provider): not a newcomer, so not anyone's referral."""
    if not customer.unionid:
        return False
    return session.scalar(
        select(Customer.id).where(Customer.unionid == customer.unionid, Customer.id != customer.id).limit(1)
    ) is not None
