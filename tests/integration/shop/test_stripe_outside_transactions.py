"""Jobs call Stripe with no database transaction open and no row locked: while each job's call waits at a
gate in front of localstripe, another connection may lock every row the job touches, and no connection
of this database sits idle in a transaction."""

import threading
from datetime import timedelta

import psycopg
import pytest

from core import clock, jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from tests.api.shop.builders import admin_order, create_product, place_order, sku_id
from tests.support.stripe_gate import StripeGate

pytestmark = pytest.mark.integration

UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def gate(app, stripe_api):
    """Stripe (localstripe) behind a gate, from here on: calls wait until the test opens it."""
    gate = StripeGate(stripe_api.url).start()
    app.config["STRIPE_API_BASE"] = gate.url
    yield gate
    gate.stop()


def held_during_the_call(database_url, gate, action, rows: dict[str, tuple[str, str, str]]):
    """Run `action` in a thread; while its Stripe call waits at the gate, which `rows` are locked, and how many
    connections idle in a transaction. `rows`: name -> (table, column, value)."""
    failures = []

    def run():
        try:
            action()
        except Exception as error:  # reported below; a job's failure is also recorded on its row
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    assert gate.arrived.wait(timeout=30), f"no call reached Stripe: {failures}"
    with psycopg.connect(database_url) as connection:
        idle = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND state LIKE 'idle in transaction%'").fetchone()[0]
        locked = []
        for name, (table, column, value) in rows.items():
            try:
                connection.execute(f"SELECT 1 FROM {table} WHERE {column} = %s FOR UPDATE NOWAIT", (value,))
            except psycopg.errors.LockNotAvailable:
                locked.append(name)
            connection.rollback()
    gate.open()
    thread.join(timeout=60)
    return locked, idle, failures


def stripe_order(tenant, quantity=1):
    product = create_product(tenant, skus=[{"price": 5000, "stock": 10}])
    return place_order(tenant.consumer(), [(sku_id(product), quantity)])


def rows_of(order, job_id, **extra):
    return {"order": ("orders", "id", order["id"]), "payment": ("payments", "order_id", order["id"]),
            "job": ("job_outbox", "id", job_id), **extra}


def test_the_recheck_job_asks_stripe_with_nothing_held(app, database_url, stripe_tenant, stripe_client, gate):
    gate.open()
    order = stripe_order(stripe_tenant)
    stripe_client.confirm(order["payment"]["intent_id"])
    gate.close()
    with unit_of_work() as session, tenant_scope(stripe_tenant.id):
        job_id = jobs.enqueue(session, "shop.recheck_pending_payments", key=f"recheck:{order['id']}",
                              run_at=clock.now() + timedelta(hours=1))

    locked, idle, failures = held_during_the_call(database_url, gate, lambda: jobs.execute(job_id),
                                                  rows_of(order, job_id))

    assert (locked, idle, failures) == ([], 0, [])
    assert admin_order(stripe_tenant, order)["status"] == "paid"


def test_the_unpaid_timeout_asks_stripe_with_nothing_held(app, database_url, stripe_tenant, gate):
    gate.open()
    order = stripe_order(stripe_tenant)
    gate.close()
    job_id = f"order:{order['id']}:expire"

    with clock.travel(timedelta(minutes=31)):
        locked, idle, failures = held_during_the_call(database_url, gate, lambda: jobs.execute(job_id),
                                                      rows_of(order, job_id))

    assert (locked, idle, failures) == ([], 0, [])
    assert admin_order(stripe_tenant, order)["status"] == "cancelled"


def test_voiding_a_cancelled_orders_intent_asks_stripe_with_nothing_held(app, database_url, stripe_tenant,
                                                                          stripe_client, gate):
    gate.open()
    shopper = stripe_tenant.consumer()
    product = create_product(stripe_tenant, skus=[{"price": 5000, "stock": 10}])
    order = place_order(shopper, [(sku_id(product), 1)])
    gate.close()
    job_id = f"order:{order['id']}:release-intent"

    cancel = lambda: shopper.post(f"/v1/storefront/orders/{order['id']}/cancel", expect=200)  # noqa: E731
    locked, idle, failures = held_during_the_call(database_url, gate, cancel, rows_of(order, job_id))

    assert (locked, idle, failures) == ([], 0, [])
    assert stripe_client.intent(order["payment"]["intent_id"])["status"] == "canceled"


def test_submitting_a_refund_asks_stripe_with_nothing_held(app, database_url, stripe_tenant, stripe_client, gate):
    gate.open()
    order = stripe_order(stripe_tenant, quantity=2)
    stripe_client.confirm(order["payment"]["intent_id"])
    with clock.travel(timedelta(minutes=31)):
        jobs.run_due(tenant_id=stripe_tenant.id)  # the timeout finds it paid
    app.config["STRIPE_API_BASE"] = UNREACHABLE  # the refund's first submission fails: it stays pending
    refund = stripe_tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 3000},
                                      expect=201).get_json()
    app.config["STRIPE_API_BASE"] = gate.url
    gate.close()
    job_id = f"refund:{refund['id']}:submit"

    locked, idle, failures = held_during_the_call(database_url, gate, lambda: jobs.execute(job_id),
                                                  rows_of(order, job_id, refund=("refunds", "id", refund["id"])))

    assert (locked, idle, failures) == ([], 0, [])
    assert refund["status"] == "pending"
    assert admin_order(stripe_tenant, order)["refunded_total"] == 3000
    assert [r["amount"] for r in stripe_client.refunds_of(order["payment"]["intent_id"])] == [3000]
