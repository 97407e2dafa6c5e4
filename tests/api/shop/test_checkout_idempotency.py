"""Checkout's and the offline payment's Idempotency-Key is claimed with their writes (core.idempotency,
`claimed_in_writes`): checkout's in the statement that writes the order, the payment's as its transaction's last
statement. No claim before the work, yet replays, refusals, other bodies and races behave as with a claim made
first."""

import threading

from sqlalchemy import func, select

from core.db import unit_of_work
from core.idempotency import IdempotencyRecord
from core.tenancy import tenant_scope
from shop.orders.models import Order
from tests.api.shop.builders import create_product, sku_id, stock_of


def checkout(shopper, product, quantity, key):
    return shopper.post("/v1/storefront/orders", {"lines": [{"sku_id": sku_id(product), "quantity": quantity}]},
                        headers={"Idempotency-Key": key})


def orders_of(tenant, shopper) -> int:
    with unit_of_work() as session, tenant_scope(tenant.id):
        return session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == shopper.customer_id))


def record_of(tenant, key) -> IdempotencyRecord | None:
    with unit_of_work() as session, tenant_scope(tenant.id):
        return session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).one_or_none()


def at_once(app, send, *, threads: int = 6) -> list:
    """`send(client)` from `threads` threads released together, each with its own test client."""
    barrier, responses = threading.Barrier(threads), []

    def run():
        client = app.test_client()
        barrier.wait()
        responses.append(send(client))

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return responses


def test_the_claim_commits_with_the_order_and_holds_its_response(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()

    first = checkout(shopper, tea, 2, "cart-a")

    assert first.status_code == 201
    record = record_of(tenant, "cart-a")
    assert record.response_status == 201 and record.locked_until is None
    assert record.response_body == first.get_data(as_text=True)


def test_a_refused_checkout_is_replayed_even_once_it_could_succeed(tenant):
    tea = create_product(tenant, skus=[{"price": 500, "stock": 1}])
    shopper = tenant.consumer()

    refused = checkout(shopper, tea, 3, "cart-b")
    tenant.admin.patch(f"/v1/admin/skus/{sku_id(tea)}", {"stock": 10}, expect=200)
    retried = checkout(shopper, tea, 3, "cart-b")

    assert refused.status_code == retried.status_code == 409
    assert retried.get_json()["reason"] == "out_of_stock"
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert orders_of(tenant, shopper) == 0
    assert stock_of(tenant, tea) == 10


def test_the_same_key_with_another_cart_changes_nothing(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()
    checkout(shopper, tea, 2, "cart-c")

    other = checkout(shopper, tea, 5, "cart-c")

    assert other.status_code == 422
    assert other.get_json()["reason"] == "idempotency_key_reused"
    assert orders_of(tenant, shopper) == 1
    assert stock_of(tenant, tea) == 8


def test_a_key_whose_first_use_was_refused_and_then_another_cart_is_refused(tenant):
    tea = create_product(tenant, skus=[{"price": 500, "stock": 1}])
    shopper = tenant.consumer()
    checkout(shopper, tea, 3, "cart-d")

    other = checkout(shopper, tea, 1, "cart-d")

    assert other.status_code == 422
    assert orders_of(tenant, shopper) == 0
    assert stock_of(tenant, tea) == 1


def test_keys_are_the_customers_own(tenant):
    tea = create_product(tenant)
    alice, bob = tenant.consumer("alice"), tenant.consumer("bob")

    mine, theirs = checkout(alice, tea, 1, "cart-e"), checkout(bob, tea, 1, "cart-e")

    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert stock_of(tenant, tea) == 8


def test_simultaneous_checkouts_with_one_key_place_one_order(app, tenant):
    tea = create_product(tenant, skus=[{"price": 500, "stock": 100}])
    shopper = tenant.consumer()
    responses = at_once(app, lambda client: client.post(
        "/v1/storefront/orders", json={"lines": [{"sku_id": sku_id(tea), "quantity": 2}]},
        headers={"Authorization": f"Bearer {shopper.credential}", "Idempotency-Key": "cart-race"}))

    assert {r.status_code for r in responses} == {201}, [r.get_json() for r in responses]
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert orders_of(tenant, shopper) == 1
    assert stock_of(tenant, tea) == 98


def pay(client_or_caller, order_id, key, credential=None):
    path = f"/v1/storefront/orders/{order_id}/offline-payment"
    if credential is None:
        return client_or_caller.post(path, {}, headers={"Idempotency-Key": key})
    return client_or_caller.post(path, json={}, headers={"Authorization": f"Bearer {credential}",
                                                         "Idempotency-Key": key})


def paid_tenant(tenant):
    tenant.settings({"payments": {"offline_self_confirm": True}})
    return tenant


def test_a_keyed_payment_is_recorded_with_its_response_and_replayed(tenant):
    tea = create_product(paid_tenant(tenant))
    shopper = tenant.consumer()
    order = checkout(shopper, tea, 1, "cart-f").get_json()

    first = pay(shopper, order["id"], "pay-f")
    again = pay(shopper, order["id"], "pay-f")

    assert first.status_code == again.status_code == 200
    assert first.get_json()["status"] == "paid" and "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    record = record_of(tenant, "pay-f")
    assert (record.response_status, record.locked_until) == (200, None)


def test_a_refused_keyed_payment_is_replayed_and_another_order_under_its_key_is_refused(tenant):
    tea = create_product(paid_tenant(tenant))
    alice, bob = tenant.consumer("alice"), tenant.consumer("bob")
    alices = checkout(alice, tea, 1, "cart-g").get_json()
    bobs = checkout(bob, tea, 1, "cart-h").get_json()

    refused = pay(bob, alices["id"], "pay-g")  # not his order
    again = pay(bob, alices["id"], "pay-g")
    other = pay(bob, bobs["id"], "pay-g")

    assert refused.status_code == again.status_code == 404
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.get_json()["reason"] == "idempotency_key_reused"
    assert bob.get(f"/v1/storefront/orders/{bobs['id']}", expect=200).get_json()["status"] == "pending_payment"


def test_simultaneous_payments_with_one_key_pay_once_and_answer_alike(app, tenant):
    tea = create_product(paid_tenant(tenant))
    shopper = tenant.consumer()
    order = checkout(shopper, tea, 1, "cart-i").get_json()
    responses = at_once(app, lambda client: pay(client, order["id"], "pay-race", credential=shopper.credential))

    assert {r.status_code for r in responses} == {200}, [r.get_json() for r in responses]
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert len({r.get_data(as_text=True) for r in responses}) == 1
