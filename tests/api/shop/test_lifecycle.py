from datetime import timedelta

from core import clock, jobs
from core.events import AfterSalesClosed, OrderCancelled, OrderCompleted, OrderShipped
from tests.api.shop.builders import admin_order, create_product, paid_order, place_order, sku_id, stock_of
from tests.api.shop.conftest import of_order


def test_an_unpaid_order_is_cancelled_at_its_deadline_and_its_stock_returns(tenant, published):
    tenant.settings({"orders": {"unpaid_timeout_minutes": 15}})
    tea = create_product(tenant)
    shopper = tenant.consumer()
    order = place_order(shopper, [(sku_id(tea), 4)])

    with clock.travel(timedelta(minutes=14)):
        jobs.run_due(tenant_id=tenant.id)
        still_pending = admin_order(tenant, order)["status"]
    with clock.travel(timedelta(minutes=16)):
        jobs.run_due(tenant_id=tenant.id)

    assert still_pending == "pending_payment"
    cancelled = admin_order(tenant, order)
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "payment_timeout")
    assert stock_of(tenant, tea) == 10
    [event] = of_order(published, order["id"], OrderCancelled)
    assert (event.was_paid, event.coupon_id, event.points_used) == (False, None, 0)


def test_a_paid_order_outlives_its_payment_deadline(tenant):
    tea = create_product(tenant)
    order = paid_order(tenant, tenant.consumer(), [(sku_id(tea), 1)])

    with clock.travel(timedelta(hours=1)):
        jobs.run_due(tenant_id=tenant.id)

    assert admin_order(tenant, order)["status"] == "paid"
    assert stock_of(tenant, tea) == 9


def test_a_consumer_cancels_her_unpaid_order_but_not_a_paid_one(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()
    unpaid = place_order(shopper, [(sku_id(tea), 3)])
    paid = paid_order(tenant, shopper, [(sku_id(tea), 1)])

    cancelled = shopper.post(f"/v1/storefront/orders/{unpaid['id']}/cancel", expect=200).get_json()
    refused = shopper.post(f"/v1/storefront/orders/{paid['id']}/cancel", expect=409).get_json()

    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "customer")
    assert refused["reason"] == "invalid_state"
    assert stock_of(tenant, tea) == 9
    tenant.admin.post(f"/v1/admin/orders/{unpaid['id']}/offline-payment", expect=409)


def test_a_paid_order_ships_and_the_consumer_confirms_receipt(tenant, published):
    tenant.settings({"orders": {"after_sales_days": 7}})
    tea = create_product(tenant)
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, [(sku_id(tea), 1)])

    shipped = tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship",
                                {"carrier": "SF Express", "tracking_number": "SF123"}, expect=200).get_json()
    received = shopper.post(f"/v1/storefront/orders/{order['id']}/confirm-receipt", expect=200).get_json()

    assert (shipped["status"], shipped["carrier"], shipped["tracking_number"]) == ("shipped", "SF Express", "SF123")
    assert received["status"] == "completed"
    assert received["after_sales_ends_at"] > received["completed_at"]
    assert len(of_order(published, order["id"], OrderShipped)) == 1
    [completed] = of_order(published, order["id"], OrderCompleted)
    assert completed.after_sales_ends_at.startswith(received["after_sales_ends_at"][:16])


def test_transitions_out_of_turn_are_refused(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()
    unpaid = place_order(shopper, [(sku_id(tea), 1)])
    paid = paid_order(tenant, shopper, [(sku_id(tea), 1)])

    ship_unpaid = tenant.admin.post(f"/v1/admin/orders/{unpaid['id']}/ship", expect=409).get_json()
    complete_unshipped = tenant.admin.post(f"/v1/admin/orders/{paid['id']}/complete", expect=409).get_json()
    receive_unshipped = shopper.post(f"/v1/storefront/orders/{paid['id']}/confirm-receipt", expect=409).get_json()
    tenant.admin.post(f"/v1/admin/orders/{paid['id']}/ship", expect=200)
    ship_twice = tenant.admin.post(f"/v1/admin/orders/{paid['id']}/ship", expect=409).get_json()

    assert {r["reason"] for r in (ship_unpaid, complete_unshipped, receive_unshipped, ship_twice)} == {"invalid_state"}


def test_a_shipped_order_completes_by_itself_after_auto_complete_days(tenant):
    tenant.settings({"orders": {"auto_complete_days": 10}})
    tea = create_product(tenant)
    order = paid_order(tenant, tenant.consumer(), [(sku_id(tea), 1)])
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)

    with clock.travel(timedelta(days=9)):
        jobs.run_due(tenant_id=tenant.id)
        before = admin_order(tenant, order)["status"]
    with clock.travel(timedelta(days=10, minutes=1)):
        jobs.run_due(tenant_id=tenant.id)

    assert before == "shipped"
    assert admin_order(tenant, order)["status"] == "completed"


def test_the_after_sales_window_closes_once_with_what_was_kept(tenant, published):
    tenant.settings({"orders": {"after_sales_days": 7}})
    tea = create_product(tenant, skus=[{"price": 1000, "stock": 10}])
    buyer = tenant.consumer()
    order = paid_order(tenant, buyer, [(sku_id(tea), 3)])
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/ship", expect=200)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/complete", expect=200)
    tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 500}, expect=201)

    with clock.travel(timedelta(days=6)):
        jobs.run_due(tenant_id=tenant.id)
        early = of_order(published, order["id"], AfterSalesClosed)
    with clock.travel(timedelta(days=7, minutes=1)):
        jobs.run_due(tenant_id=tenant.id)
        jobs.run_due(tenant_id=tenant.id)

    assert early == []
    [closed] = of_order(published, order["id"], AfterSalesClosed)
    assert closed.amount == 2500
    assert [(line.quantity, line.amount) for line in closed.lines] == [(3, 2500)]
    assert order["after_sales_closed_at"] is None  # the consumer's order shows it too (API.md's changes)
    closed_at = admin_order(tenant, order)["after_sales_closed_at"]
    assert closed_at
    mine = buyer.get(f"/v1/storefront/orders/{order['id']}", expect=200).get_json()
    assert mine["after_sales_closed_at"] == closed_at
    late = tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 100}, expect=409).get_json()
    assert late["reason"] == "invalid_state"


def test_staff_and_finance_look_orders_up_but_only_admin_ships(tenant):
    tea = create_product(tenant)
    order = paid_order(tenant, tenant.consumer(), [(sku_id(tea), 1)])
    staff, finance = tenant.key("staff"), tenant.key("finance")

    by_staff = staff.get(f"/v1/admin/orders/{order['id']}", expect=200).get_json()
    listed = finance.get("/v1/admin/orders", query={"status": "paid"}, expect=200).get_json()
    refused = staff.post(f"/v1/admin/orders/{order['id']}/ship", expect=403).get_json()

    assert by_staff["customer_id"] and "client_secret" not in by_staff["payment"]
    assert [o["id"] for o in listed["data"]] == [order["id"]]
    assert refused["reason"] == "forbidden"
    finance.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": 1}, expect=403)


def test_the_admin_list_filters_by_status(tenant):
    tea = create_product(tenant)
    shopper = tenant.consumer()
    unpaid = place_order(shopper, [(sku_id(tea), 1)])
    paid = paid_order(tenant, shopper, [(sku_id(tea), 1)])

    pending = tenant.admin.get("/v1/admin/orders", query={"status": "pending_payment"}, expect=200).get_json()
    everything = tenant.admin.get("/v1/admin/orders", expect=200).get_json()
    bad = tenant.admin.get("/v1/admin/orders", query={"status": "lost"}, expect=422).get_json()

    assert [o["id"] for o in pending["data"]] == [unpaid["id"]]
    assert {o["id"] for o in everything["data"]} == {unpaid["id"], paid["id"]}
    assert bad["reason"] == "invalid_request"


def test_another_tenants_orders_are_not_found(tenant, other_tenant):
    tea = create_product(other_tenant)
    theirs = paid_order(other_tenant, other_tenant.consumer(), [(sku_id(tea), 1)])

    tenant.admin.get(f"/v1/admin/orders/{theirs['id']}", expect=404)
    tenant.admin.post(f"/v1/admin/orders/{theirs['id']}/ship", expect=404)
    tenant.admin.post(f"/v1/admin/orders/{theirs['id']}/refunds", expect=404)
    assert admin_order(other_tenant, theirs)["status"] == "paid"
