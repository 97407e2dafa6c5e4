"""Commissions recorded when an order is paid: one per line per level, by rate or fixed amount."""

from core.db import unit_of_work
from core.events import LineAmount
from core.tenancy import tenant_scope
from shop.distribution import service
from tests.api.distribution.builders import (
    account,
    approved_distributor,
    bound_to,
    buy,
    by_level,
    commissions,
    enable,
    product,
)
from tests.api.shop.builders import paid_order


def test_a_bound_customers_order_pays_its_distributor_floor_of_total_times_rate(tenant):
    enable(tenant, level1_rate="0.07")
    alice = approved_distributor(tenant)
    _tea, sku = product(tenant, 1999)

    order = buy(tenant, bound_to(tenant, alice), sku, quantity=3)

    [commission] = commissions(tenant, order_id=order["id"])
    assert commission["amount"] == 5997 * 7 // 100 == 419  # floor(419.79): quantity counted once, in the total
    assert (commission["base"], commission["level"], commission["kind"], commission["status"]) == (
        5997, 1, "sale", "frozen")
    assert commission["distributor_id"] == alice.distributor_id and commission["line_id"] == order["lines"][0]["id"]
    assert account(alice)["balance"]["frozen"] == 419


def test_an_unbound_customer_pays_no_commission(tenant):
    enable(tenant)
    approved_distributor(tenant)
    _tea, sku = product(tenant, 1000)

    order = buy(tenant, tenant.consumer(), sku)

    assert commissions(tenant, order_id=order["id"]) == []


def test_two_levels_pay_the_distributor_and_its_own_distributor(tenant):
    enable(tenant, levels=2, level1_rate="0.10", level2_rate="0.05")
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    _tea, sku = product(tenant, 1000)

    order = buy(tenant, bound_to(tenant, bob), sku, quantity=2)

    found = commissions(tenant, order_id=order["id"])
    assert by_level(found) == {1: 200, 2: 100}
    assert {c["level"]: c["distributor_id"] for c in found} == {1: bob.distributor_id, 2: alice.distributor_id}


def test_one_level_only_pays_level_one(tenant):
    enable(tenant, levels=1)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    _tea, sku = product(tenant, 1000)

    order = buy(tenant, bound_to(tenant, bob), sku)

    assert by_level(commissions(tenant, order_id=order["id"])) == {1: 100}


def test_a_fixed_amount_is_per_unit_times_quantity_and_a_fixed_zero_pays_nothing(tenant):
    enable(tenant, levels=2)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    _tea, sku = product(tenant, 1000, commission={"level1_amount": 150, "level2_amount": 0})

    order = buy(tenant, bound_to(tenant, bob), sku, quantity=3)

    assert by_level(commissions(tenant, order_id=order["id"])) == {1: 450}


def test_a_product_rate_overrides_the_tenants_per_level_and_null_removes_it(tenant):
    enable(tenant, levels=2, level1_rate="0.10", level2_rate="0.05")
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    carol = bound_to(tenant, bob)
    tea, sku = product(tenant, 1000, commission={"level1_rate": "0.20"})

    first = buy(tenant, carol, sku)
    patched = tenant.admin.patch(f"/v1/admin/products/{tea['id']}", {"commission": None}, expect=200).get_json()
    second = buy(tenant, carol, sku)

    assert by_level(commissions(tenant, order_id=first["id"])) == {1: 200, 2: 50}
    assert patched["commission"] is None
    assert by_level(commissions(tenant, order_id=second["id"])) == {1: 100, 2: 50}


def test_bad_commission_overrides_are_refused(tenant):
    tea, _sku = product(tenant, 1000)

    for bad in ({"level1_rate": "2"}, {"level1_amount": -1}, {"level3_rate": "0.1"}, {"level1_rate": "abc"}):
        refused = tenant.admin.patch(f"/v1/admin/products/{tea['id']}", {"commission": bad}, expect=422).get_json()
        assert refused["reason"] == "invalid_request"
    assert tenant.admin.get(f"/v1/admin/products/{tea['id']}", expect=200).get_json()["commission"] is None


def test_each_line_earns_apart(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)
    _tea, tea = product(tenant, 1000)
    _cup, cup = product(tenant, 555, commission={"level1_amount": 30})

    order = paid_order(tenant, bound_to(tenant, alice), [(tea, 1), (cup, 2)])

    found = {c["line_id"]: c["amount"] for c in commissions(tenant, order_id=order["id"])}
    assert found == {order["lines"][0]["id"]: 100, order["lines"][1]["id"]: 60}


def test_self_purchase_pays_the_buyer_level_one_and_its_distributor_level_two(tenant):
    enable(tenant, levels=2, self_purchase=True)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    _tea, sku = product(tenant, 1000)

    order = buy(tenant, bob, sku)

    found = commissions(tenant, order_id=order["id"])
    assert {c["level"]: (c["distributor_id"], c["amount"]) for c in found} == {
        1: (bob.distributor_id, 100), 2: (alice.distributor_id, 50)}


def test_without_self_purchase_a_distributors_own_order_pays_its_distributor(tenant):
    enable(tenant, levels=2, self_purchase=False)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    _tea, sku = product(tenant, 1000)

    order = buy(tenant, bob, sku)

    assert {c["level"]: c["distributor_id"] for c in commissions(tenant, order_id=order["id"])} == {
        1: alice.distributor_id}


def test_a_suspended_distributor_is_skipped_and_level_two_still_earns(tenant):
    enable(tenant, levels=2)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    carol = bound_to(tenant, bob)
    _tea, sku = product(tenant, 1000)
    earned_before = buy(tenant, carol, sku)
    tenant.admin.post(f"/v1/admin/distributors/{bob.distributor_id}/suspend", expect=200)

    order = buy(tenant, carol, sku)

    assert {c["level"]: c["distributor_id"] for c in commissions(tenant, order_id=order["id"])} == {
        2: alice.distributor_id}
    assert account(bob)["balance"]["frozen"] == 100  # what it earned before stays
    assert by_level(commissions(tenant, order_id=earned_before["id"])) == {1: 100, 2: 50}


def test_nothing_is_recorded_while_distribution_is_disabled(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)
    carol = bound_to(tenant, alice)
    tenant.settings({"distribution": {"enabled": False}})
    _tea, sku = product(tenant, 1000)

    assert commissions(tenant, order_id=buy(tenant, carol, sku)["id"]) == []


def test_a_second_payment_event_records_nothing_twice(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)
    tea, sku = product(tenant, 1000)
    order = buy(tenant, bound_to(tenant, alice), sku)
    line = order["lines"][0]
    paid_again = LineAmount(line_id=line["id"], product_id=tea["id"], sku_id=sku, quantity=1, amount=1000)

    with unit_of_work() as session, tenant_scope(tenant.id):
        again = service.record_for_order(session, order_id=order["id"], customer_id=order["customer_id"],
                                         currency="CNY", lines=[paid_again])

    assert again == []
    assert len(commissions(tenant, order_id=order["id"])) == 1
    assert account(alice)["balance"]["frozen"] == 100


def test_the_distributor_lists_its_own_commissions_and_finance_filters_them(tenant):
    enable(tenant)
    alice, bob = approved_distributor(tenant), approved_distributor(tenant)
    _tea, sku = product(tenant, 1000)
    buy(tenant, bound_to(tenant, alice), sku)
    bobs = buy(tenant, bound_to(tenant, bob), sku)

    mine = alice.get("/v1/storefront/distributor/commissions", expect=200).get_json()["data"]
    frozen = bob.get("/v1/storefront/distributor/commissions", query={"status": "frozen"}, expect=200).get_json()
    by_distributor = commissions(tenant, distributor_id=bob.distributor_id)

    assert [c["distributor_id"] for c in mine] == [alice.distributor_id]
    assert [c["order_id"] for c in frozen["data"]] == [bobs["id"]]
    assert [c["order_id"] for c in by_distributor] == [bobs["id"]]
    assert commissions(tenant, status="settled") == []


def test_finance_routes_are_for_finance_and_admin_keys_only(tenant):
    enable(tenant)
    consumer = tenant.consumer()

    for caller in (consumer, tenant.key("staff")):
        for method, path in (("GET", "/v1/finance/commissions"), ("GET", "/v1/finance/settlements"),
                             ("POST", "/v1/finance/settlements")):
            refused = caller.request(method, path, json={} if method == "POST" else None, expect=403).get_json()
            assert refused["reason"] == "forbidden"
    tenant.key("finance").get("/v1/finance/commissions", expect=200)

