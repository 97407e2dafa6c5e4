"""core.driver runs hot statements on libpq: prepared on a connection under its own names once run there twice,
and a statement that opens its transaction sent with its BEGIN in one round trip. What the session path gives
stays: errors, rollback, autocommit, and statements that outlive psycopg's own DEALLOCATE ALL."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from core import clock, driver
from core.db import statement_by_statement, unit_of_work
from core.driver import execute_on_driver
from core.ids import new_id
from core.tenancy import tenant_scope
from tenants.customers.models import Customer

COUNTED = text("SELECT count(*) AS n FROM customers WHERE tenant_id = :tenant_id AND openid LIKE 'driver-%'")
ADDED = text("INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at) "
             "VALUES (:tenant_id, :id, :openid, 'dev', :code, :now) RETURNING id")
OTHER_TEXT = "SELECT count(*) AS n FROM customers WHERE tenant_id = :tenant_id AND openid LIKE 'driver-x%'"
OTHER = text(OTHER_TEXT)
NAMED = ("SELECT array_agg(statement) FROM pg_prepared_statements WHERE name LIKE 'fission%' "
         "AND statement LIKE '%openid LIKE ''driver-%'")
MISSPELT = text("SELECT no_such_column FROM customers WHERE tenant_id = :tenant_id")
OURS = ("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'fission%' "
        "AND statement LIKE '%openid LIKE ''driver-%'")


def add(session, tenant_id, openid, customer_id=None):
    return execute_on_driver(session, ADDED, {"tenant_id": tenant_id, "id": customer_id or new_id("cus"),
                                              "openid": openid, "code": uuid.uuid4().hex[:12],
                                              "now": clock.now()}).one()[0]


def count(session, tenant_id):
    return execute_on_driver(session, COUNTED, {"tenant_id": tenant_id}).one().n


def other(session, tenant_id):
    return execute_on_driver(session, OTHER, {"tenant_id": tenant_id}).one().n


def prepared_of_ours(raw):
    # Asked on the driver's connection, never prepared: psycopg keeps no statement of its own for it.
    return raw.execute(OURS, prepare=False).fetchone()[0]


def transaction_status(session):
    return int(session.connection().connection.driver_connection.info.transaction_status)


def test_a_statement_that_opens_the_transaction_is_in_it(tenant):
    # The BEGIN travels with the first statement: a later failure rolls the first one back too.
    taken = new_id("cus")
    with pytest.raises(IntegrityError), unit_of_work() as session, tenant_scope(tenant.id):
        add(session, tenant.id, "driver-first", taken)
        assert transaction_status(session) == 2  # INTRANS: the statement ran inside the transaction it began
        add(session, tenant.id, "driver-second", taken)  # the same id: a unique violation

    with unit_of_work() as session, tenant_scope(tenant.id):
        assert count(session, tenant.id) == 0


def test_a_failing_first_statement_leaves_the_connection_usable(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        taken = add(session, tenant.id, "driver-kept")
    # Fails as it opens its transaction (the BEGIN and the statement in one message): IntegrityError, as before.
    with pytest.raises(IntegrityError), unit_of_work() as session, tenant_scope(tenant.id):
        add(session, tenant.id, "driver-twin", taken)
    # Fails unnamed (its first run), then as it is prepared (its second: the Parse in the same message): the
    # server's error either way, as SQLAlchemy raises it.
    for _ in range(2):
        with pytest.raises(ProgrammingError, match="no_such_column"), unit_of_work() as session, \
                tenant_scope(tenant.id):
            execute_on_driver(session, MISSPELT, {"tenant_id": tenant.id})
    for _ in range(3):  # every pooled connection still works
        with unit_of_work() as session, tenant_scope(tenant.id):
            assert count(session, tenant.id) == 1


def test_a_statement_is_prepared_once_per_connection_and_again_after_psycopg_deallocates_all(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        raw = session.connection().connection.driver_connection
        for _ in range(3):
            assert count(session, tenant.id) == 0
        assert prepared_of_ours(raw) == 1
        # psycopg deallocates every prepared statement of the connection when a transaction rolls back while it
        # holds some of its own: the driver's go with them, and the driver prepares its statement again.
        raw.execute("SELECT 1", prepare=True)
        raw.rollback()  # on this connection (the session's rollback would hand it back to the pool)
        assert prepared_of_ours(raw) == 0
        assert count(session, tenant.id) == 0
        assert prepared_of_ours(raw) == 1


def test_a_rollback_that_deallocates_nothing_keeps_the_driver_s_statements(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        raw = session.connection().connection.driver_connection
        raw.execute("SELECT 1", prepare=True)
        raw.rollback()  # psycopg deallocates all: from here it holds none of its own
        assert count(session, tenant.id) == count(session, tenant.id) == 0  # prepared on its second run at most
        assert prepared_of_ours(raw) == 1
        raw.rollback()  # nothing of psycopg's to deallocate
        assert prepared_of_ours(raw) == 1
        assert count(session, tenant.id) == 0  # run under the name it had: no second PREPARE of it
        assert prepared_of_ours(raw) == 1


def test_in_autocommit_a_statement_commits_by_itself_with_no_begin(tenant):
    with statement_by_statement() as session, tenant_scope(tenant.id):
        add(session, tenant.id, "driver-alone")
        assert transaction_status(session) == 0  # IDLE: no transaction was opened

    with unit_of_work() as session, tenant_scope(tenant.id):
        assert [customer.openid for customer in session.query(Customer)] == ["driver-alone"]


def test_a_statement_is_prepared_on_its_second_run_and_the_least_recently_used_makes_room(tenant, monkeypatch):
    monkeypatch.setattr(driver, "_PREPARED_KEPT", 1)
    with unit_of_work() as session, tenant_scope(tenant.id):
        raw = session.connection().connection.driver_connection
        raw.execute("SELECT 1", prepare=True)
        raw.rollback()  # none of ours is left
        add(session, tenant.id, "driver-once")  # opens the transaction, with its BEGIN: run once, unnamed
        assert prepared_of_ours(raw) == 0
        assert count(session, tenant.id) == count(session, tenant.id) == 1  # the second run prepares it
        assert prepared_of_ours(raw) == 1
        assert [other(session, tenant.id) for _ in range(3)] == [0, 0, 0]  # prepared in its place
        assert prepared_of_ours(raw) == 1
        assert raw.execute(NAMED, prepare=False).fetchone()[0] == [OTHER_TEXT.replace(":tenant_id", "$1")]
        assert count(session, tenant.id) == count(session, tenant.id) == 1  # back, the other one out
        assert prepared_of_ours(raw) == 1
    with statement_by_statement() as session, tenant_scope(tenant.id):
        assert count(session, tenant.id) == 1
