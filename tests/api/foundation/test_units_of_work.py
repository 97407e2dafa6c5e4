"""Units of work inside an enclosing one (what @idempotent wraps a view in) share its one transaction."""

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import UnitOfWorkFailed, enclosing_unit_of_work, unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from tenants.customers.models import Customer


def add(openid):
    with unit_of_work() as session:
        session.add(Customer(id=new_id("cus"), openid=openid, provider="dev", created_at=clock.now()))


def count(tenant_id, openid):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalar(select(func.count()).select_from(Customer).where(Customer.openid == openid))


def test_inner_units_commit_with_the_enclosing_one_or_not_at_all(tenant):
    with pytest.raises(RuntimeError), tenant_scope(tenant.id), enclosing_unit_of_work():
        add("enclosed-rolled-back")
        raise RuntimeError("the request fails after its unit of work")
    with tenant_scope(tenant.id), enclosing_unit_of_work():
        add("enclosed-1")
        add("enclosed-2")

    assert count(tenant.id, "enclosed-rolled-back") == 0
    assert count(tenant.id, "enclosed-1") == count(tenant.id, "enclosed-2") == 1


def test_an_inner_failure_swallowed_on_the_way_out_still_commits_nothing(tenant):
    with pytest.raises(UnitOfWorkFailed), tenant_scope(tenant.id), enclosing_unit_of_work():
        add("swallowed-kept?")
        try:
            with unit_of_work():
                raise RuntimeError("a service fails")
        except RuntimeError:
            pass  # someone catches it and carries on

    assert count(tenant.id, "swallowed-kept?") == 0
