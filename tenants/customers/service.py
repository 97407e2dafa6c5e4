"""Customers of a tenant, one per provider and openid."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import NotFound
from core.ids import new_id
from core.pagination import paginate
from tenants.customers import extensions
from tenants.customers.invite_codes import new_invite_code, normalize_invite_code
from tenants.customers.models import Customer

_INVITE_CODE_ATTEMPTS = 5


def find_or_create(session: Session, *, openid: str, provider: str, unionid: str | None = None,
                   invite_code: str | None = None) -> Customer:
    """The customer of this provider's openid, created on first login (safe when two first logins race).

    `customer.created_now` tells the caller whether this login created it.
    """
    query = select(Customer).where(Customer.provider == provider, Customer.openid == openid)
    customer = session.scalars(query).one_or_none()
    created = False
    for _attempt in range(_INVITE_CODE_ATTEMPTS):
        if customer is not None:
            break
        candidate = Customer(id=new_id("cus"), openid=openid, unionid=unionid, provider=provider,
                             invite_code=new_invite_code(), signup_invite_code=invite_code, created_at=clock.now())
        try:
            # Two first logins may race: the unique (tenant_id, provider, openid) decides, not the read
            # above. A clash of invite codes (about one in a billion) lands here too and draws again.
            with session.begin_nested():
                session.add(candidate)
            customer, created = candidate, True
        except IntegrityError:
            customer = session.scalars(query).one_or_none()
    if customer is None:
        raise RuntimeError("could not draw a free invite code")
    customer.last_login_at = clock.now()
    if unionid and not customer.unionid:
        customer.unionid = unionid
    session.flush()
    customer.created_now = created
    return customer


def get_customer(session: Session, *, customer_id: str) -> Customer:
    customer = session.scalars(select(Customer).where(Customer.id == customer_id)).one_or_none()
    if customer is None:
        raise NotFound("No such customer")
    return customer


def list_customers(session: Session, *, filters: dict, limit: int, starting_after: str | None) -> Page:
    """The tenant's customers, newest first, narrowed by the filters capabilities registered
    (tenants/customers/extensions.py)."""
    query = extensions.apply_filters(session, select(Customer), filters)
    return paginate(session, query, id_column=Customer.id, limit=limit, starting_after=starting_after)


def customer_detail(session: Session, *, customer_id: str) -> Customer:
    """One customer, with what capabilities add to it in `extensions` (tenants/customers/extensions.py)."""
    customer = get_customer(session, customer_id=customer_id)
    customer.extensions = extensions.enrich(session, customer)
    return customer


def find_by_invite_code(session: Session, *, invite_code: str | None) -> Customer | None:
    """The customer whose own invite code this is (normalised first), or None."""
    code = normalize_invite_code(invite_code)
    if code is None:
        return None
    return session.scalars(select(Customer).where(Customer.invite_code == code)).one_or_none()


def set_referrer(session: Session, *, customer_id: str, inviter_id: str) -> bool:
    """Record who brought this customer, once and for good: False if someone already had."""
    # Guarded on referred_by being unset, so nothing overwrites it, however two calls interleave.
    return bool(session.execute(
        update(Customer).where(Customer.id == customer_id, Customer.referred_by.is_(None))
        .values(referred_by=inviter_id)
    ).rowcount)
