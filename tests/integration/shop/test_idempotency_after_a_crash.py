"""A real gunicorn process is SIGKILLed right after the commit that moved money, before it could answer;
the client retries with the same Idempotency-Key once the key's lock has run out: exactly one effect."""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from core import clock
from core.db import unit_of_work
from core.idempotency import IdempotencyRecord
from core.tenancy import all_tenants, tenant_scope
from loyalty.points.models import PointsEntry
from shop.orders.models import Order, Refund
from tests.api.shop.builders import create_product, paid_order, sku_id, stock_of
from tests.conftest import ENCRYPTION_KEYS
from tests.support.factories import PLATFORM_TOKEN
from tests.support.processes import GunicornServer

pytestmark = pytest.mark.integration


@pytest.fixture
def crashing_server(database_url, tmp_path):
    """`start(point)`: gunicorn on the test database whose worker kills itself the first time it reaches `point`."""
    servers = []

    def start(point: str, **env) -> GunicornServer:
        server = GunicornServer({
            "DATABASE_URL": database_url, "REDIS_URL": "", "FISSION_JOBS_MODE": "eager",
            "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN, "SECRET_KEY": "test-secret-key",
            "FISSION_ENCRYPTION_KEYS": ENCRYPTION_KEYS, "LOG_LEVEL": "WARNING",
            "FISSION_TEST_KILL_AT": point, "FISSION_TEST_KILL_MARKER": str(tmp_path / "killed"), **env,
        }).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def post_twice(server, path, *, credential, key, body=None):
    """The first attempt dies with the process; the retry comes after the key's lock ran out (60 s in life)."""
    headers = {"Authorization": f"Bearer {credential}", "Idempotency-Key": key}
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url + path, json=body or {}, headers=headers, timeout=60)
    with unit_of_work() as session, all_tenants():  # the key is unique across tenants in this test
        session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                        .values(locked_until=clock.now() - timedelta(seconds=1))
                        .execution_options(synchronize_session=False))
    return requests.post(server.url + path, json=body or {}, headers=headers, timeout=60)  # a new worker answers


def count(tenant_id, model, *conditions):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_a_checkout_killed_after_its_commit_and_retried_places_one_order(stripe_tenant, localstripe,
                                                                         crashing_server):
    server = crashing_server("checkout.order_committed", STRIPE_API_BASE=localstripe.url)
    shopper = stripe_tenant.consumer()
    product = create_product(stripe_tenant, skus=[{"price": 5000, "stock": 10}])
    body = {"lines": [{"sku_id": sku_id(product), "quantity": 2}]}

    retried = post_twice(server, "/v1/storefront/orders", credential=shopper.credential, key="checkout-1", body=body)

    assert retried.status_code == 201, retried.text
    order = retried.json()
    assert count(stripe_tenant.id, Order, Order.customer_id == shopper.customer_id) == 1
    assert stock_of(stripe_tenant, product) == 8
    assert order["status"] == "pending_payment" and order["payment"]["intent_id"].startswith("pi_")


def test_a_refund_killed_after_its_commit_and_retried_refunds_once(tenant, crashing_server):
    server = crashing_server("refund.requested")
    product = create_product(tenant, skus=[{"price": 5000, "stock": 10}])
    order = paid_order(tenant, tenant.consumer(), [(sku_id(product), 2)])

    retried = post_twice(server, f"/v1/admin/orders/{order['id']}/refunds", credential=tenant.admin_key,
                         key="refund-1", body={"amount": 3000})

    assert retried.status_code == 201, retried.text
    assert count(tenant.id, Refund, Refund.order_id == order["id"]) == 1
    refunded = tenant.admin.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()["refunded_total"]
    assert refunded == 3000 and retried.json()["amount"] == 3000


def test_a_one_transaction_request_killed_after_its_commit_is_replayed_not_repeated(tenant, crashing_server):
    server = crashing_server("idempotency.committed")
    customer_id = tenant.consumer().customer_id
    path = f"/v1/admin/customers/{customer_id}/points/adjustments"

    retried = post_twice(server, path, credential=tenant.admin_key, key="adjust-1",
                         body={"points": 100, "reason": "goodwill"})

    assert retried.status_code == 201, retried.text
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert count(tenant.id, PointsEntry, PointsEntry.customer_id == customer_id,
                 PointsEntry.kind == "adjustment") == 1
