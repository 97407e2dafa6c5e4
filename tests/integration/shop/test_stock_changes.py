"""The merchant changes stock while checkouts reserve it (real threads on PostgreSQL): relative and conditional
changes never give back units a checkout took, nor take units a checkout was promised."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.shop.builders import create_product, sku_id, stock_of

pytestmark = pytest.mark.integration


def at_once(*calls):
    """Run every call at the same moment, each in its own thread; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def checkout(app, shopper, product, quantity=1):
    body = {"lines": [{"sku_id": sku_id(product), "quantity": quantity}]}
    return lambda: app.test_client().post("/v1/storefront/orders", json=body,
                                          headers={"Authorization": f"Bearer {shopper.credential}"})


def patch_sku(app, tenant, product, body):
    return lambda: app.test_client().patch(f"/v1/admin/skus/{sku_id(product)}", json=body,
                                           headers={"Authorization": f"Bearer {tenant.admin_key}"})


def test_deltas_and_checkouts_at_once_add_up_exactly(app, tenant):
    product = create_product(tenant, skus=[{"price": 100, "stock": 100}])
    shoppers = [tenant.consumer() for _ in range(12)]

    responses = at_once(*[checkout(app, shopper, product) for shopper in shoppers],
                        *[patch_sku(app, tenant, product, {"stock_delta": 5}) for _ in range(8)],
                        *[patch_sku(app, tenant, product, {"stock_delta": -2}) for _ in range(4)])

    assert [r.status_code for r in responses] == [201] * 12 + [200] * 12
    assert stock_of(tenant, product) == 100 - 12 + 8 * 5 - 4 * 2


def test_a_conditional_set_racing_checkouts_either_applies_first_or_is_refused(app, tenant):
    for _ in range(5):
        product = create_product(tenant, skus=[{"price": 100, "stock": 10}])
        shoppers = [tenant.consumer() for _ in range(3)]

        *orders, patched = at_once(*[checkout(app, shopper, product) for shopper in shoppers],
                                   patch_sku(app, tenant, product, {"stock": 50, "expected_stock": 10}))

        assert [order.status_code for order in orders] == [201] * 3
        if patched.status_code == 200:  # it came first: the checkouts took from the new level
            assert stock_of(tenant, product) == 50 - 3
        else:  # a checkout came first: the merchant is told, and nothing is given back
            assert (patched.status_code, patched.get_json()["reason"]) == (409, "stock_changed")
            assert stock_of(tenant, product) == 10 - 3


def test_taking_more_than_there_is_is_refused_and_changes_nothing(tenant):
    product = create_product(tenant, skus=[{"price": 100, "stock": 3}])

    refused = tenant.admin.patch(f"/v1/admin/skus/{sku_id(product)}", {"stock_delta": -4, "price": 1},
                                 expect=409).get_json()

    assert refused["reason"] == "out_of_stock"
    sku = tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()["skus"][0]
    assert (sku["stock"], sku["price"]) == (3, 100)


def test_stock_alone_still_sets_it_and_mixed_forms_are_refused(tenant):
    product = create_product(tenant, skus=[{"price": 100, "stock": 3}])
    path = f"/v1/admin/skus/{sku_id(product)}"

    assert tenant.admin.patch(path, {"stock": 7}, expect=200).get_json()["stock"] == 7
    assert tenant.admin.patch(path, {"stock_delta": 2}, expect=200).get_json()["stock"] == 9
    assert tenant.admin.patch(path, {"stock": 1, "stock_delta": 1}, expect=422).get_json()["reason"] == \
        "invalid_request"
    assert tenant.admin.patch(path, {"expected_stock": 9}, expect=422).get_json()["reason"] == "invalid_request"
