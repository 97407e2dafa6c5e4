"""core.writes: objects built as loaded rows are (`built`), written in one round trip (`write_new`)."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from core import clock
from core.db import database, unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from core.writes import adopt, built, write_new
from shop.orders.models import Order
from tenants.customers.models import Customer
from tests.support.roundtrips import RoundTrips


def stored(tenant_id, openid):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.execute(select(Customer.nickname, Customer.unionid, Customer.invite_code)
                               .where(Customer.openid == openid)).all()


def test_a_built_object_written_new_is_persistent_as_if_loaded(tenant):
    counter = RoundTrips(database.require_engine())
    with unit_of_work() as session, tenant_scope(tenant.id):
        customer = built(Customer, tenant_id=tenant.id, id=new_id("cus"), openid="built-1", provider="dev",
                         invite_code="BUILT1", nickname="first", created_at=clock.now())
        assert customer.unionid is None and customer.referred_by is None  # unset columns hold their defaults
        with counter.counting():
            write_new(session, [customer])
            # In the session's identity map with every column loaded: no read goes back to the database.
            assert session.get(Customer, (tenant.id, customer.id)) is customer
            assert (customer.nickname, customer.last_login_at) == ("first", None)
        # Nothing sent yet: nobody reads the INSERT's rows, so it goes with the next statement or the COMMIT.
        assert (counter.total, counter.deferred) == (0, 0)
        # A later change is tracked like any loaded row's and flushed at commit (the INSERT sent ahead of it).
        customer.nickname = "renamed"

    assert stored(tenant.id, "built-1") == [("renamed", None, "BUILT1")]


def test_built_refuses_what_the_constructor_and_write_new_would(tenant):
    with pytest.raises(TypeError, match="no column attribute 'nick'"):
        built(Customer, nick="typo")
    # invite_code's default is computed in Python: a row written in one statement must be given it.
    with pytest.raises(ValueError, match="invite_code"):
        built(Customer, tenant_id=tenant.id, id=new_id("cus"), openid="built-2", provider="dev",
              created_at=clock.now())
    with pytest.raises(TypeError, match="no column attribute 'lines'"):
        built(Order, lines=[])  # a relationship: `attach` sets it, as loaded
    assert stored(tenant.id, "built-2") == []


def test_adopt_refuses_a_second_object_with_a_key_the_session_holds(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        first = built(Customer, tenant_id=tenant.id, id=new_id("cus"), openid="built-3", provider="dev",
                      invite_code="BUILT3", created_at=clock.now())
        write_new(session, [first])
        twin = built(Customer, tenant_id=tenant.id, id=first.id, openid="built-3", provider="dev",
                     invite_code="BUILT3", created_at=clock.now())
        with pytest.raises(InvalidRequestError, match="another instance with key"):
            adopt(session, [twin])
        assert session.get(Customer, (tenant.id, first.id)) is first and twin not in session


def test_adopt_takes_an_object_made_by_its_constructor_the_public_way(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        made = Customer(tenant_id=tenant.id, id=new_id("cus"), openid="built-4", provider="dev",
                        invite_code="BUILT4", nickname="made", created_at=clock.now())
        write_new(session, [made])  # its change history is cleared as the row is adopted
        assert session.get(Customer, (tenant.id, made.id)) is made and not session.dirty
        made.nickname = "changed"

    assert stored(tenant.id, "built-4") == [("changed", None, "BUILT4")]
