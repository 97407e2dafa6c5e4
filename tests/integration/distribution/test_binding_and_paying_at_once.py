"""Twenty threads binding and paying at once on PostgreSQL, then after-sales and settlement through real RQ workers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from core import ledger
from core.db import unit_of_work
from core.tenancy import tenant_scope
from shop.distribution.models import Binding, Distributor
from tests.api.distribution.builders import (
    account,
    approved_distributor,
    commissions,
    enable,
    invite_code,
    product,
)
from tests.support.http import Caller
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def test_twenty_threads_binding_and_paying_at_once(app, tenant, start_worker):
    enable(tenant, levels=2, level1_rate="0.10", level2_rate="0.05")
    tenant.settings({"orders": {"after_sales_days": 0}})
    tenant.enable_dev_login()
    ring = [approved_distributor(tenant) for _ in range(10)]
    codes = [invite_code(member) for member in ring]
    _tea, sku = product(tenant, 1999, stock=1000)
    start = threading.Barrier(20)

    def close_the_ring(i):
        """Distributor i binds to distributor i+1: all ten together would close a ring."""
        client = Caller(app.test_client(), ring[i].credential)
        start.wait()
        return client.post("/v1/storefront/bindings", {"invite_code": codes[(i + 1) % 10]})

    def arrive_and_pay(i):
        """A new customer logs in with distributor i's code, orders twice and is paid for, twice at once."""
        client = app.test_client()
        start.wait()
        session = client.post("/v1/storefront/sessions", json={"provider": "dev", "openid": f"racer-{i}",
                                                               "invite_code": codes[i]},
                              headers={"Authorization": f"Bearer {tenant.publishable_key}"}).get_json()
        buyer = Caller(client, session["token"])
        paid = []
        for quantity in (1, 2):
            order = buyer.post("/v1/storefront/orders", {"lines": [{"sku_id": sku, "quantity": quantity}]},
                               expect=201).get_json()
            admin = Caller(client, tenant.admin_key)
            admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
            paid.append(order)
        return session, paid

    with ThreadPoolExecutor(max_workers=20) as pool:
        ring_answers = [pool.submit(close_the_ring, i) for i in range(10)]
        arrivals = [pool.submit(arrive_and_pay, i) for i in range(10)]
        ring_answers = [future.result() for future in ring_answers]
        arrivals = [future.result() for future in arrivals]

    # Exactly one link of the ring is refused, whichever came last; every newcomer is bound.
    statuses = sorted(response.status_code for response in ring_answers)
    assert statuses == [201] * 9 + [409]
    assert [r.get_json()["reason"] for r in ring_answers if r.status_code == 409] == ["binding_cycle"]
    assert all(session["binding"] == {"status": "bound"} for session, _orders in arrivals)
    assert_no_cycle(tenant.id)

    # One commission per line per level: level 1 to the newcomer's distributor, level 2 to whoever that one
    # was bound to at payment time (or nobody yet).
    for i, (_session, orders) in enumerate(arrivals):
        for order in orders:
            found = commissions(tenant, order_id=order["id"])
            levels = sorted(c["level"] for c in found)
            assert levels in ([1], [1, 2]), found
            level1 = next(c for c in found if c["level"] == 1)
            assert level1["distributor_id"] == ring[i].distributor_id
            assert level1["amount"] == order["total"] // 10
            assert sum(c["amount"] for c in found) <= order["total"] * 15 // 100

    # After-sales and settlement run in real worker processes (whose scheduler may first fan periodic work
    # out to every tenant of the test database: the waits are generous).
    start_worker()
    for _session, orders in arrivals:
        for order in orders:
            tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)
            tenant.admin.post(f"/v1/admin/orders/{order['id']}/complete", expect=200)
    assert wait_until(lambda: all(c["final_at"] for c in commissions(tenant)), timeout=240)
    run = tenant.admin.post("/v1/finance/settlements", expect=202).get_json()
    assert wait_until(lambda: tenant.admin.get(f"/v1/finance/settlements/{run['id']}").get_json()["status"]
                      == "completed", timeout=240), jobs_of(tenant.id)

    everything = commissions(tenant)
    assert {c["status"] for c in everything} == {"settled"}
    for member in ring:
        earned = sum(c["amount"] for c in everything if c["distributor_id"] == member.distributor_id)
        assert account(member)["balance"] == {"frozen": 0, "available": earned, "withdrawing": 0, "withdrawn": 0}
    with unit_of_work() as session, tenant_scope(tenant.id):
        assert ledger.totals_by_currency(session) == {"CNY": 0}


def jobs_of(tenant_id: str) -> str:
    """What the queue holds, to say why a wait ran out: this tenant's unfinished intents, and every
    tenant's handed-on but unfinished ones by name."""
    with unit_of_work() as session:
        mine = session.execute(text(
            "SELECT name, attempts, enqueued_at IS NOT NULL, left(last_error, 200) FROM job_outbox "
            "WHERE tenant_id = :t AND completed_at IS NULL AND name NOT LIKE 'shop.expire%'"), {"t": tenant_id}).all()
        waiting = session.execute(text(
            "SELECT name, count(*), max(left(last_error, 200)) FROM job_outbox WHERE completed_at IS NULL "
            "AND failed_at IS NULL AND skipped_at IS NULL AND run_at <= now() GROUP BY name")).all()
    return f"mine: {[tuple(r) for r in mine]}\nall due: {[tuple(r) for r in waiting]}"


def assert_no_cycle(tenant_id: str) -> None:
    with unit_of_work() as session, tenant_scope(tenant_id):
        parent = dict(session.execute(
            select(Binding.customer_id, Distributor.customer_id).join(Distributor,
                                                                      Distributor.id == Binding.distributor_id)).all())
    for start in parent:
        seen, current = set(), start
        while current in parent:
            assert current not in seen, f"a cycle through {current}"
            seen.add(current)
            current = parent[current]
