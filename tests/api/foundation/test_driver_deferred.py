"""core.driver.defer_on_driver: a write whose rows nobody reads is sent with the transaction's next statement or
its COMMIT, in order, in one message. Whatever comes next sees it, a rollback forgets it, and its failure fails
the transaction where it is sent: never a silent rollback."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InternalError

from core import clock, driver
from core.db import database, statement_by_statement, unit_of_work
from core.driver import defer_on_driver, execute_on_driver
from core.ids import new_id
from core.tenancy import tenant_scope
from tenants.customers.models import Customer
from tests.support.roundtrips import RoundTrips

ADD = text("INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at) "
           "VALUES (:tenant_id, :id, :openid, 'dev', :code, :now)")
COUNTED = text("SELECT count(*) AS n FROM customers WHERE tenant_id = :tenant_id AND openid LIKE 'later-%'")


def defer_add(session, tenant_id, openid, customer_id=None) -> str:
    customer_id = customer_id or new_id("cus")
    defer_on_driver(session, ADD, {"tenant_id": tenant_id, "id": customer_id, "openid": openid,
                                   "code": uuid.uuid4().hex[:12], "now": clock.now()})
    return customer_id


def count(session, tenant_id) -> int:
    return execute_on_driver(session, COUNTED, {"tenant_id": tenant_id}).one().n


def openids(tenant_id) -> list[str]:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return sorted(c.openid for c in session.query(Customer) if c.openid.startswith("later-"))


def raw_connection(session):
    return session.connection().connection.driver_connection


@pytest.fixture
def warnings_of_the_server():
    """PostgreSQL's notices on every pooled connection (a COMMIT sent with no transaction open is a WARNING)."""
    seen, raws = [], []

    def watch(session):
        raw = raw_connection(session)
        if raw not in raws:
            raws.append(raw)
            raw.add_notice_handler(handler)

    def handler(diagnostic):
        seen.append(diagnostic.message_primary)

    yield watch, seen
    for raw in raws:
        raw.remove_notice_handler(handler)


def test_a_deferred_statement_travels_with_the_next_statement_which_sees_it(tenant, monkeypatch):
    monkeypatch.setattr(driver, "_PREPARED_KEPT", 1)  # each run below prepares one and evicts the other
    counter = RoundTrips(database.require_engine())
    for n in range(3):  # unnamed, then prepared on their second run, in one message with the other
        with counter.counting(), unit_of_work() as session, tenant_scope(tenant.id):
            defer_add(session, tenant.id, f"later-{n}")
            assert count(session, tenant.id) == n + 1
        # The deferred INSERT went with the count (its BEGIN with them): one round trip, and the COMMIT.
        assert (counter.kinds, counter.deferred) == ({"statement": 1, "COMMIT": 1}, 1)
    assert openids(tenant.id) == ["later-0", "later-1", "later-2"]


def test_deferred_statements_go_with_the_commit_and_psycopg_sends_no_second_one(tenant, warnings_of_the_server):
    watch, warnings = warnings_of_the_server
    counter = RoundTrips(database.require_engine())
    for n in range(3):
        with counter.counting(), unit_of_work() as session, tenant_scope(tenant.id):
            watch(session)
            defer_add(session, tenant.id, f"later-{n}-a")
            defer_add(session, tenant.id, f"later-{n}-b")
        assert (counter.kinds, counter.deferred) == ({"COMMIT": 1}, 2)  # BEGIN, both and the COMMIT: one message
    assert openids(tenant.id) == [f"later-{n}-{x}" for n in range(3) for x in "ab"]
    assert warnings == []  # no "there is no transaction in progress": psycopg's own commit sent nothing


def test_a_deferred_statement_goes_ahead_of_a_statement_of_the_session(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        defer_add(session, tenant.id, "later-orm")
        assert [c.openid for c in session.query(Customer).filter(Customer.openid == "later-orm")] == ["later-orm"]
    assert openids(tenant.id) == ["later-orm"]


def test_a_rollback_forgets_deferred_statements(tenant):
    with pytest.raises(RuntimeError), unit_of_work() as session, tenant_scope(tenant.id):
        execute_on_driver(session, COUNTED, {"tenant_id": tenant.id})
        defer_add(session, tenant.id, "later-never")
        raw = raw_connection(session)
        raise RuntimeError("the view failed")
    assert driver._state_of(raw).deferred == []
    for _ in range(3):  # whichever pooled connection comes next sends nothing left over
        with unit_of_work() as session, tenant_scope(tenant.id):
            assert count(session, tenant.id) == 0
    assert openids(tenant.id) == []


def test_a_rollback_to_a_savepoint_takes_back_what_was_deferred_inside_it(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        defer_add(session, tenant.id, "later-kept")
        with pytest.raises(RuntimeError), session.begin_nested():  # the SAVEPOINT sends the first one ahead
            defer_add(session, tenant.id, "later-undone")
            raise RuntimeError("inside the savepoint")
        defer_add(session, tenant.id, "later-after")
    assert openids(tenant.id) == ["later-after", "later-kept"]


def test_a_failing_deferred_statement_fails_the_commit_and_nothing_commits(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        taken = defer_add(session, tenant.id, "later-first")
    with pytest.raises(IntegrityError, match="pk_customers"), unit_of_work() as session, tenant_scope(tenant.id):
        defer_add(session, tenant.id, "later-second")
        defer_add(session, tenant.id, "later-twin", taken)  # fails with the COMMIT it travels with
    assert openids(tenant.id) == ["later-first"]
    with unit_of_work() as session, tenant_scope(tenant.id):  # the connection is usable again
        assert count(session, tenant.id) == 1


def test_a_deferred_failure_caught_by_whoever_sent_it_cannot_commit(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        taken = defer_add(session, tenant.id, "later-first")
    with pytest.raises(InternalError, match="cannot commit"), unit_of_work() as session, tenant_scope(tenant.id):
        defer_add(session, tenant.id, "later-second")
        defer_add(session, tenant.id, "later-twin", taken)
        with pytest.raises(IntegrityError, match="pk_customers"):
            count(session, tenant.id)  # sends them: the failure is raised here, and a careless caller goes on
        # PostgreSQL would answer this COMMIT with a ROLLBACK, and psycopg raise nothing: the driver refuses it.
    assert openids(tenant.id) == ["later-first"]
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert count(session, tenant.id) == 1


def test_a_deferred_failure_sent_ahead_of_a_session_statement_and_caught_cannot_commit(tenant):
    with unit_of_work() as session, tenant_scope(tenant.id):
        taken = defer_add(session, tenant.id, "later-first")
    with pytest.raises(InternalError, match="cannot commit"), unit_of_work() as session, tenant_scope(tenant.id):
        for n in range(2):  # the INSERT run twice on this connection: prepared, it goes alone with no pipeline
            defer_add(session, tenant.id, f"later-{n}")
            assert count(session, tenant.id) == n + 2
        defer_add(session, tenant.id, "later-twin", taken)  # sent by itself, ahead of the query
        with pytest.raises(IntegrityError, match="pk_customers"):
            session.query(Customer).all()
    assert openids(tenant.id) == ["later-first"]


def test_in_autocommit_a_deferred_statement_runs_at_once(tenant):
    with statement_by_statement() as session, tenant_scope(tenant.id):
        defer_add(session, tenant.id, "later-alone")
        assert driver._state_of(raw_connection(session)).deferred == []
        assert openids(tenant.id) == ["later-alone"]  # committed before the block ends
