from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.bulk import copy_into_staging
from core.db import UTCDateTime, insert_ignoring_conflicts, insert_together, returning, unit_of_work
from core.driver import execute_on_driver
from core.errors import TenantScopeMissing, TenantScopeViolation
from core.ids import new_id
from core.tenancy import all_tenants, tenant_scope
from core.writes import NewRow, write_new
from tenants.customers.models import Customer
from tenants.platform.models import Tenant


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


# Core statements, text() and inserts: the hook is the one place for them too.

CUSTOMERS = Customer.__table__


def nicknames(tenant_id, openid):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalars(select(Customer.nickname).where(Customer.openid == openid)).all()


UNPINNED = {
    "select": lambda: select(CUSTOMERS.c.id).where(CUSTOMERS.c.openid == "core"),
    "count": lambda: select(func.count()).select_from(CUSTOMERS),
    "update": lambda: update(CUSTOMERS).where(CUSTOMERS.c.openid == "core").values(nickname="changed"),
    "delete": lambda: delete(CUSTOMERS).where(CUSTOMERS.c.openid == "core"),
    "subquery_in_orm": lambda: select(Customer.id).where(
        Customer.openid.in_(select(CUSTOMERS.c.openid).where(CUSTOMERS.c.nickname == "x").scalar_subquery())),
    "exists": lambda: select(select(CUSTOMERS.c.id).exists()),
    "join": lambda: select(CUSTOMERS.c.id).join_from(
        CUSTOMERS, Tenant.__table__, Tenant.__table__.c.id == CUSTOMERS.c.tenant_id),
    "alias": lambda: select(CUSTOMERS.alias("c").c.id),
}


@pytest.mark.parametrize("shape", sorted(UNPINNED))
def test_a_core_statement_that_does_not_pin_the_tenant_is_refused(tenant, other_tenant, shape):
    theirs = add_customer(other_tenant.id, "core")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(UNPINNED[shape]())

    assert nicknames(other_tenant.id, "core") == [None] and theirs.id


def test_a_core_statement_pinned_to_another_tenant_is_refused(tenant, other_tenant):
    add_customer(other_tenant.id, "pinned-elsewhere")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(update(CUSTOMERS).where(CUSTOMERS.c.tenant_id == other_tenant.id).values(nickname="x"))

    assert nicknames(other_tenant.id, "pinned-elsewhere") == [None]


def test_a_statement_that_passed_once_is_refused_when_the_same_shape_names_another_tenant(tenant, other_tenant):
    # The hook remembers statements that passed, per shape; a shape pinned to the current tenant must not
    # vouch for the same shape whose bound value is another tenant's.
    add_customer(other_tenant.id, "remembered")

    def rename(pinned_to):
        return update(CUSTOMERS).where(CUSTOMERS.c.tenant_id == pinned_to,
                                       CUSTOMERS.c.openid == "remembered").values(nickname="x")

    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(rename(tenant.id))
        session.execute(rename(tenant.id))
    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(rename(other_tenant.id))
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.execute(rename(tenant.id))

    assert nicknames(other_tenant.id, "remembered") == [None]


def test_inserts_written_together_must_each_name_the_current_tenant(tenant, other_tenant):
    # core.db.insert_together writes several INSERTs as the CTEs of one statement (checkout's order, lines,
    # payment): the hook checks each of them as it checks a statement of its own.
    def customer_row(tenant_id, openid):
        return {"tenant_id": tenant_id, "id": new_id("cus"), "openid": openid, "provider": "dev",
                "invite_code": new_id("inv")[-12:], "created_at": clock.now()}

    with unit_of_work() as session, tenant_scope(tenant.id):
        insert_together(session, [insert(CUSTOMERS).values([customer_row(tenant.id, "together-1"),
                                                             customer_row(tenant.id, "together-2")])])
    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        insert_together(session, [insert(CUSTOMERS).values(customer_row(tenant.id, "together-3")),
                                  insert(CUSTOMERS).values(customer_row(other_tenant.id, "smuggled"))])

    assert len(nicknames(tenant.id, "together-1") + nicknames(tenant.id, "together-2")) == 2
    assert nicknames(tenant.id, "together-3") == [] and nicknames(other_tenant.id, "smuggled") == []


def test_rows_written_new_in_one_statement_must_belong_to_the_current_tenant(tenant, other_tenant):
    # core.writes.write_new (checkout's order, lines, payment, job and key claim) binds every row's tenant_id to the
    # one :tenant_id parameter of a statement built once: core.driver checks that parameter is the current tenant.
    def customer(tenant_id, openid):
        return NewRow(CUSTOMERS, {"tenant_id": tenant_id, "id": new_id("cus"), "openid": openid, "provider": "dev",
                                  "invite_code": new_id("inv")[-12:], "created_at": clock.now()})

    with unit_of_work() as session, tenant_scope(tenant.id):
        write_new(session, [], also=(customer(tenant.id, "new-1"), customer(tenant.id, "new-2")))
    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        write_new(session, [], also=(customer(other_tenant.id, "smuggled-new"),))
    with pytest.raises(ValueError), unit_of_work() as session, tenant_scope(tenant.id):
        write_new(session, [], also=(customer(tenant.id, "new-3"), customer(other_tenant.id, "smuggled-too")))

    assert len(nicknames(tenant.id, "new-1") + nicknames(tenant.id, "new-2")) == 2
    assert nicknames(other_tenant.id, "smuggled-new") == nicknames(other_tenant.id, "smuggled-too") == []
    assert nicknames(tenant.id, "new-3") == []


def test_a_core_statement_pinned_to_the_current_tenant_runs(tenant, other_tenant):
    mine = add_customer(tenant.id, "pinned")
    add_customer(other_tenant.id, "pinned")
    pinned = CUSTOMERS.c.tenant_id == tenant.id

    with unit_of_work() as session, tenant_scope(tenant.id):
        seen = session.scalars(select(CUSTOMERS.c.id).where(pinned, CUSTOMERS.c.openid == "pinned")).all()
        session.execute(update(CUSTOMERS).where(pinned, CUSTOMERS.c.openid == "pinned").values(nickname="changed"))

    assert seen == [mine.id]
    assert nicknames(tenant.id, "pinned") == ["changed"]
    assert nicknames(other_tenant.id, "pinned") == [None]


def test_an_update_from_a_pinned_subquery_runs_like_the_set_based_jobs(tenant, other_tenant):
    add_customer(tenant.id, "batch")
    add_customer(other_tenant.id, "batch")
    batch = select(CUSTOMERS.c.tenant_id, CUSTOMERS.c.id).where(
        CUSTOMERS.c.tenant_id == tenant.id, CUSTOMERS.c.openid == "batch").subquery("batch")

    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(update(CUSTOMERS).where(CUSTOMERS.c.tenant_id == batch.c.tenant_id,
                                                CUSTOMERS.c.id == batch.c.id).values(nickname="batched"))

    assert nicknames(tenant.id, "batch") == ["batched"]
    assert nicknames(other_tenant.id, "batch") == [None]


def test_text_on_a_tenant_table_must_bind_the_current_tenant(tenant, other_tenant):
    add_customer(tenant.id, "text-sql")
    add_customer(other_tenant.id, "text-sql")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(text("UPDATE customers SET nickname = 'everyone' WHERE openid = 'text-sql'"))
    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(text("UPDATE customers SET nickname = 'theirs' WHERE tenant_id = :tenant_id"),
                        {"tenant_id": other_tenant.id})
    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(text("UPDATE customers SET nickname = 'mine' WHERE tenant_id = :tenant_id "
                             "AND openid = 'text-sql'"), {"tenant_id": tenant.id})

    assert nicknames(tenant.id, "text-sql") == ["mine"]
    assert nicknames(other_tenant.id, "text-sql") == [None]


def test_text_run_on_the_driver_must_bind_the_current_tenant(tenant, other_tenant):
    # core.driver runs hot checkout statements past the session's hook: it applies the same rule itself.
    add_customer(tenant.id, "driver-sql")
    add_customer(other_tenant.id, "driver-sql")
    everyone = text("UPDATE customers SET nickname = 'everyone' WHERE openid = 'driver-sql' RETURNING id")
    scoped = text("UPDATE customers SET nickname = :nickname WHERE tenant_id = :tenant_id "
                  "AND openid = 'driver-sql' RETURNING id")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        execute_on_driver(session, everyone, {})
    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        execute_on_driver(session, scoped, {"tenant_id": other_tenant.id, "nickname": "theirs"})
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        execute_on_driver(session, scoped, {"tenant_id": tenant.id, "nickname": "no scope"})
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert len(execute_on_driver(session, scoped, {"tenant_id": tenant.id, "nickname": "mine"}).rows) == 1

    assert nicknames(tenant.id, "driver-sql") == ["mine"]
    assert nicknames(other_tenant.id, "driver-sql") == [None]


def test_the_driver_path_keeps_sqlalchemy_s_errors_types_and_transaction(tenant):
    customer = add_customer(tenant.id, "driver-types")
    created = returning(text("SELECT created_at, openid FROM customers WHERE tenant_id = :tenant_id AND id = :id"),
                        "created_at", "openid", created_at=UTCDateTime())
    duplicate = text("INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at) "
                     "SELECT tenant_id, id, 'copy', provider, 'copy', created_at FROM customers "
                     "WHERE tenant_id = :tenant_id AND id = :id RETURNING id")
    renamed = text("UPDATE customers SET nickname = 'rolled back' WHERE tenant_id = :tenant_id AND id = :id "
                   "RETURNING id")

    with unit_of_work() as session, tenant_scope(tenant.id):
        row = execute_on_driver(session, created, {"tenant_id": tenant.id, "id": customer.id}).one()
        rows = execute_on_driver(session, created, {"tenant_id": tenant.id, "id": customer.id}).mappings()
    # A unique violation is SQLAlchemy's IntegrityError (checkout's retry of a racing key relies on it), and it
    # rolls back the session's transaction, the driver's statements with it.
    with pytest.raises(IntegrityError), unit_of_work() as session, tenant_scope(tenant.id):
        execute_on_driver(session, renamed, {"tenant_id": tenant.id, "id": customer.id})
        execute_on_driver(session, duplicate, {"tenant_id": tenant.id, "id": customer.id})

    assert row == (customer.created_at, "driver-types") and row[0].utcoffset() == timedelta(0)
    assert rows == [{"created_at": customer.created_at, "openid": "driver-types"}]
    assert nicknames(tenant.id, "driver-types") == [None]


def test_the_driver_binds_lists_as_arrays_every_value_intact(tenant):
    # Lists travel as the text form of an array (core/driver.py): whatever a string holds comes back as it was.
    tricky = ['plain', 'with "quotes"', "back\\slash", "comma, {brace}", " padded ", "", "NULL", "中文", None]
    when = [datetime(2026, 11, 26, 15, 30, 1, 123456, tzinfo=UTC), None]
    echoed = returning(text("SELECT CAST(:texts AS text[]), CAST(:numbers AS bigint[]), CAST(:flags AS boolean[]), "
                            "CAST(:times AS timestamptz[]), CAST(:none AS text[]) "
                            "WHERE CAST(:tenant_id AS text) IS NOT NULL"),
                       "texts", "numbers", "flags", "times", "none")
    with unit_of_work() as session, tenant_scope(tenant.id):
        row = execute_on_driver(session, echoed, {"tenant_id": tenant.id, "texts": tricky, "numbers": [-1, 0, 2**40],
                                                  "flags": [True, False], "times": when, "none": []}).one()
        with pytest.raises(TypeError, match="float"):
            execute_on_driver(session, echoed, {"tenant_id": tenant.id, "texts": [], "numbers": [1.5],
                                                "flags": [], "times": [], "none": []})
        with pytest.raises(ValueError, match="naive"):
            execute_on_driver(session, echoed, {"tenant_id": tenant.id, "texts": [], "numbers": [], "flags": [],
                                                "times": [datetime(2026, 11, 26)], "none": []})

    assert row == (tricky, [-1, 0, 2**40], [True, False], when, [])


def test_text_on_a_tenant_table_with_no_tenant_fails_loudly():
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.execute(text("SELECT count(*) FROM customers"))


def test_text_on_platform_tables_is_not_the_hooks_business(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert session.scalar(text("SELECT count(*) FROM tenants WHERE id = :id"), {"id": tenant.id}) == 1


def customer_row(tenant_id, openid):
    return {"tenant_id": tenant_id, "id": new_id("cus"), "openid": openid, "provider": "dev",
            "invite_code": new_id("inv")[-8:], "created_at": clock.now()}


@pytest.mark.parametrize("shape", ["values", "multi_values", "executemany", "orm_bulk", "on_conflict"])
def test_an_insert_naming_another_tenant_is_refused(tenant, other_tenant, shape):
    row = customer_row(other_tenant.id, f"smuggled-{shape}")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        if shape == "values":
            session.execute(insert(CUSTOMERS).values(**row))
        elif shape == "multi_values":
            session.execute(insert(CUSTOMERS).values([customer_row(tenant.id, "fine"), row]))
        elif shape == "executemany":
            session.execute(insert(CUSTOMERS), [customer_row(tenant.id, "fine"), row])
        elif shape == "orm_bulk":
            session.execute(insert(Customer), [row])
        else:
            insert_ignoring_conflicts(session, CUSTOMERS, row, index_elements=["tenant_id", "id"])

    with unit_of_work() as session, all_tenants():
        assert session.scalar(select(func.count()).select_from(Customer).where(Customer.openid == row["openid"])) == 0


def test_an_insert_naming_the_current_tenant_runs(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(insert(CUSTOMERS), [customer_row(tenant.id, "core-insert")])
        insert_ignoring_conflicts(session, CUSTOMERS, customer_row(tenant.id, "core-insert-2"),
                                  index_elements=["tenant_id", "id"])

    assert nicknames(tenant.id, "core-insert") == nicknames(tenant.id, "core-insert-2") == [None]


def test_a_core_insert_with_no_tenant_set_fails_loudly(tenant):
    with pytest.raises(TenantScopeMissing), unit_of_work() as session:
        session.execute(insert(CUSTOMERS).values(**customer_row(tenant.id, "unscoped-insert")))


def copy_of(*conditions):
    return insert(CUSTOMERS).from_select(
        ["tenant_id", "id", "openid", "provider", "invite_code", "created_at"],
        select(CUSTOMERS.c.tenant_id, func.concat(CUSTOMERS.c.id, "x"), func.concat(CUSTOMERS.c.openid, "-copy"),
               CUSTOMERS.c.provider, func.concat(CUSTOMERS.c.invite_code, "x"), CUSTOMERS.c.created_at)
        .where(CUSTOMERS.c.openid == "copied", *conditions))


def test_an_insert_from_a_select_must_pin_the_select_to_the_current_tenant(tenant, other_tenant):
    add_customer(tenant.id, "copied")
    add_customer(other_tenant.id, "copied")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(copy_of())
    with unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(copy_of(CUSTOMERS.c.tenant_id == tenant.id))

    assert nicknames(tenant.id, "copied-copy") == [None]
    assert nicknames(other_tenant.id, "copied-copy") == []


def test_an_update_may_not_move_a_row_to_another_tenant(tenant, other_tenant):
    add_customer(tenant.id, "moved")

    with pytest.raises(TenantScopeViolation), unit_of_work() as session, tenant_scope(tenant.id):
        session.execute(update(CUSTOMERS).where(CUSTOMERS.c.openid == "moved").values(tenant_id=other_tenant.id))

    assert len(nicknames(tenant.id, "moved")) == 1


def test_domain_code_never_reaches_past_the_session():
    # A raw connection (session.connection(), exec_driver_sql) would skip the hook: no domain code uses one.
    root = Path(__file__).resolve().parents[3]
    offenders = [str(path.relative_to(root)) for package in ("tenants", "loyalty", "shop")
                 for path in (root / package).rglob("*.py")
                 if ".connection()" in path.read_text() or "exec_driver_sql" in path.read_text()]

    assert offenders == []


def test_bulk_copy_fills_only_staging_tables_never_a_tenant_table(app, tenant):
    with unit_of_work() as session, tenant_scope(tenant.id), pytest.raises(TenantScopeViolation):
        copy_into_staging(session, table="orders", columns=("id",), rows=[("ord_x",)])
