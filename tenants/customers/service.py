"""Customers of a tenant, one per openid."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.errors import NotFound
from core.ids import new_id
from tenants.customers.models import Customer


def find_or_create(session: Session, *, openid: str, provider: str, unionid: str | None = None,
                   invite_code: str | None = None) -> Customer:
    """The customer of this openid, created on first login (safe when two first logins race)."""
    query = select(Customer).where(Customer.openid == openid)
    customer = session.scalars(query).one_or_none()
    if customer is None:
        customer = Customer(id=new_id("cus"), openid=openid, unionid=unionid, provider=provider,
                            signup_invite_code=invite_code, created_at=clock.now())
        try:
            # Two first logins may race: the unique (tenant_id, openid) decides, not the read above.
            with session.begin_nested():
                session.add(customer)
        except IntegrityError:
            customer = session.scalars(query).one()
    customer.last_login_at = clock.now()
    if unionid and not customer.unionid:
        customer.unionid = unionid
    session.flush()
    return customer


def get_customer(session: Session, *, customer_id: str) -> Customer:
    customer = session.scalars(select(Customer).where(Customer.id == customer_id)).one_or_none()
    if customer is None:
        raise NotFound("No such customer")
    return customer
