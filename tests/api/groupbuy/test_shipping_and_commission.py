"""A group order ships only once its group succeeded; the leader earns on the other members' paid orders."""

from tests.api.distribution.builders import account, close_after_sales, commissions, settle
from tests.api.groupbuy.builders import campaign, group, joined, order, run_jobs_after, started
from tests.api.shop.builders import admin_order, pay_offline


def ship(tenant, placed, expect):
    return tenant.admin.post(f"/v1/admin/orders/{placed['id']}/ship", {}, expect=expect).get_json()


def test_a_paid_group_order_does_not_ship_before_its_group_succeeded(tenant):
    gb = campaign(tenant, group_size=2)
    _leader, first = started(tenant, gb)

    refused = ship(tenant, first, 409)
    joined(tenant, gb, first["group_buy"]["group_id"])
    shipped = ship(tenant, first, 200)

    assert refused["reason"] == "group_not_formed"
    assert admin_order(tenant, first)["status"] == "shipped" and shipped["group_buy"]["group_status"] == "succeeded"


def test_a_virtually_filled_groups_orders_ship(tenant):
    gb = campaign(tenant, group_size=3, time_limit_minutes=30, virtual_fill_threshold="0.3")
    _leader, first = started(tenant, gb)
    run_jobs_after(tenant, minutes=31)

    assert ship(tenant, first, 200)["status"] == "shipped"


def test_other_refusals_to_ship_are_unchanged(tenant):
    gb = campaign(tenant, group_size=2)
    placed = order(tenant.consumer(), gb)

    assert ship(tenant, placed, 409)["reason"] == "invalid_state"  # unpaid
    leader, paid = started(tenant, gb)
    joined(tenant, gb, paid["group_buy"]["group_id"])
    ship(tenant, paid, 200)
    assert ship(tenant, paid, 409)["reason"] == "invalid_state"


def test_the_leader_earns_floor_of_each_other_members_line_total_times_the_rate_once(tenant):
    gb = campaign(tenant, price=3333, group_size=3, leader_commission_rate="0.07")
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    _a, second = joined(tenant, gb, group_id)
    assert commissions(tenant) == []  # nothing before the group succeeds

    _b, third = joined(tenant, gb, group_id)

    found = commissions(tenant)
    assert sorted(c["order_id"] for c in found) == sorted([second["id"], third["id"]])
    for commission in found:
        assert (commission["kind"], commission["level"], commission["status"]) == ("group_leader", 1, "frozen")
        assert (commission["base"], commission["amount"]) == (3333, 233)  # floor(233.31)
    earner = account(leader)
    assert earner["status"] == "none" and earner["balance"]["frozen"] == 466
    assert {c["distributor_id"] for c in found} == {earner["id"]}


def test_the_commission_is_shrunk_by_refunds_and_settled_like_any(tenant):
    tenant.settings({"orders": {"after_sales_days": 0}})
    gb = campaign(tenant, price=10000, group_size=3, leader_commission_rate="0.1")
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    _a, second = joined(tenant, gb, group_id)
    _b, third = joined(tenant, gb, group_id)

    tenant.admin.post(f"/v1/admin/orders/{second['id']}/refunds", {"amount": 5000}, expect=201)
    close_after_sales(tenant, second)
    close_after_sales(tenant, third)
    settle(tenant)

    by_order = {c["order_id"]: c for c in commissions(tenant)}
    assert (by_order[second["id"]]["amount"], by_order[second["id"]]["status"]) == (500, "settled")
    assert (by_order[third["id"]]["amount"], by_order[third["id"]]["status"]) == (1000, "settled")
    assert account(leader)["balance"]["available"] == 1500


def virtually_filled_with_a_seat_unpaid(tenant) -> tuple:
    """A group of four that filled virtually at its deadline (the leader and one member paid, one seat still
    unpaid and payable until its own timeout): the leader, its order and the unpaid order."""
    tenant.settings({"orders": {"unpaid_timeout_minutes": 120}})
    gb = campaign(tenant, price=1000, group_size=4, time_limit_minutes=30, virtual_fill_threshold="0.5",
                  leader_commission_rate="0.1")
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    joined(tenant, gb, group_id)
    _late, unpaid = joined(tenant, gb, group_id, paid=False)
    run_jobs_after(tenant, minutes=31)
    return leader, first, unpaid


def test_a_member_paid_after_a_virtual_fill_earns_the_leader_too(tenant):
    _leader, _first, unpaid = virtually_filled_with_a_seat_unpaid(tenant)
    assert len(commissions(tenant)) == 1

    pay_offline(tenant, unpaid)

    assert len(commissions(tenant)) == 2
    assert commissions(tenant, order_id=unpaid["id"])[0]["amount"] == 100


def test_a_leader_refunded_in_full_after_a_virtual_fill_earns_nothing_on_seats_paid_later(tenant):
    leader, first, unpaid = virtually_filled_with_a_seat_unpaid(tenant)
    tenant.admin.post(f"/v1/admin/orders/{first['id']}/refunds", {}, expect=201)

    pay_offline(tenant, unpaid)

    assert len(commissions(tenant)) == 1 and commissions(tenant, order_id=unpaid["id"]) == []
    assert [m["role"] for m in group(leader, first["group_buy"]["group_id"])["members"]] == [
        "leader", "member", "member"]


def test_no_commission_at_a_rate_of_zero_nor_for_a_leader_who_left(tenant):
    free = campaign(tenant, group_size=2)
    _leader, first = started(tenant, free)
    joined(tenant, free, first["group_buy"]["group_id"])
    paying = campaign(tenant, group_size=2, time_limit_minutes=30, virtual_fill_threshold="0.5",
                      leader_commission_rate="0.2")
    leader, own = started(tenant, paying)
    group_id = own["group_buy"]["group_id"]
    _member, paid = joined(tenant, paying, group_id, paid=False)
    tenant.admin.post(f"/v1/admin/orders/{own['id']}/refunds", {}, expect=201)  # the leader leaves
    pay_offline(tenant, paid)

    assert group(leader, group_id)["status"] == "forming"  # its seat was freed: 1 of 2 paid
    run_jobs_after(tenant, minutes=31)

    assert group(leader, group_id)["status"] == "succeeded"
    assert commissions(tenant) == []


def test_a_failed_group_pays_the_leader_nothing(tenant):
    gb = campaign(tenant, group_size=3, time_limit_minutes=30, leader_commission_rate="0.2")
    _leader, first = started(tenant, gb)
    joined(tenant, gb, first["group_buy"]["group_id"])

    run_jobs_after(tenant, minutes=31)

    assert commissions(tenant) == []


def test_a_member_partly_refunded_before_the_group_succeeded_earns_the_leader_on_what_is_left(tenant):
    gb = campaign(tenant, price=10000, group_size=2, leader_commission_rate="0.1")
    _leader, first = started(tenant, gb)
    _member, unpaid = joined(tenant, gb, first["group_buy"]["group_id"], paid=False)
    tenant.admin.post(f"/v1/admin/orders/{first['id']}/refunds", {"amount": 1000}, expect=201)  # the leader's own
    paid = pay_offline(tenant, unpaid)
    assert commissions(tenant, order_id=paid["id"])[0]["amount"] == 1000

    gb2 = campaign(tenant, price=10000, group_size=3, leader_commission_rate="0.1")
    _leader2, first2 = started(tenant, gb2)
    _a, early = joined(tenant, gb2, first2["group_buy"]["group_id"])
    tenant.admin.post(f"/v1/admin/orders/{early['id']}/refunds", {"amount": 5000}, expect=201)
    joined(tenant, gb2, first2["group_buy"]["group_id"])

    [commission] = commissions(tenant, order_id=early["id"])
    assert (commission["base"], commission["net"], commission["amount"]) == (10000, 5000, 500)
