import pytest
from sqlalchemy import delete, func, select, update

from core import clock
from core.db import unit_of_work
from core.errors import TenantScopeMissing
from core.ids import new_id
from core.tenancy import all_tenants, tenant_scope
from tenants.customers.models import Customer


def add_customer(tenant_id, openid):
    with unit_of_work() as session, tenant_scope(tenant_id):
        customer = Customer(id=new_id("cus"), openid=openid, provider="dev", created_at=clock.now())
        session.add(customer)
    return customer


def test_reads_see_only_the_current_tenants_rows(tenant, other_tenant):
    mine = add_customer(tenant.id, "same-openid")
    theirs = add_customer(other_tenant.id, "same-openid")

    with unit_of_work() as session, tenant_scope(tenant.id):
        seen = session.scalars(select(Customer.id).where(Customer.openid == "same-openid")).all()

    assert seen == [mine.id]
    assert theirs.tenant_id == other_tenant.id


def test_updates_and_deletes_touch_only_the_current_tenant(tenant, other_tenant):
    add_customer(tenant.id, "victim")
    theirs = add_customer(other_tenant.id, "victim")

    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(update(Customer).where(Customer.openid == "victim").values(nickname="changed"))
        session.execute(delete(Customer).where(Customer.id == theirs.id))

    with unit_of_work() as session, tenant_scope(other_tenant.id):
        survivor = session.scalars(select(Customer).where(Customer.id == theirs.id)).one()
    assert survivor.nickname is None


def test_new_rows_are_stamped_with_the_current_tenant(tenant):
    customer = add_customer(tenant.id, "stamped")

    assert customer.tenant_id == tenant.id


def test_touching_a_tenant_table_with_no_tenant_fails_loudly():
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.scalars(select(Customer)).all()
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.add(Customer(id=new_id("cus"), openid="orphan", provider="dev", created_at=clock.now()))


def test_a_row_stamped_for_another_tenant_is_refused(tenant, other_tenant):
    with pytest.raises(TenantScopeMissing), unit_of_work() as session, tenant_scope(tenant.id):
        session.add(Customer(tenant_id=other_tenant.id, id=new_id("cus"), openid="smuggled", provider="dev",
                             created_at=clock.now()))


def test_reading_across_tenants_must_say_so(tenant, other_tenant):
    add_customer(tenant.id, "everywhere")
    add_customer(other_tenant.id, "everywhere")

    with unit_of_work() as session, all_tenants():
        owners = set(session.scalars(select(Customer.tenant_id).where(Customer.openid == "everywhere")))

    assert {tenant.id, other_tenant.id} <= owners


@pytest.mark.parametrize("shape", ["count_from", "count_where", "sum_from", "subquery", "exists"])
def test_statements_that_select_no_entity_are_scoped_too(tenant, other_tenant, shape):
    add_customer(other_tenant.id, "only-theirs")
    theirs = select(Customer.id).where(Customer.openid == "only-theirs")
    statement = {
        "count_from": select(func.count()).select_from(Customer).where(Customer.openid == "only-theirs"),
        "count_where": select(func.count()).where(Customer.openid == "only-theirs"),
        "sum_from": select(func.coalesce(func.sum(1), 0)).select_from(Customer).where(Customer.openid == "only-theirs"),
        "subquery": select(func.count()).select_from(theirs.subquery()),
        "exists": select(theirs.exists()),
    }[shape]

    with tenant_scope(tenant.id), unit_of_work() as session:
        seen = session.scalar(statement)

    assert seen in (0, False)


def test_an_entityless_statement_with_no_tenant_fails_loudly():
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.scalar(select(func.count()).select_from(Customer))
