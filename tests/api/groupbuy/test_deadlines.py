"""At a group's deadline, or its campaign's end: success, virtual fill, or failure with refunds and cancellations."""

from core import jobs
from core.db import unit_of_work
from core.events import GroupFailed, GroupSucceeded, OrderRefunded
from core.tenancy import tenant_scope
from shop.groupbuy import service
from tests.api.groupbuy.builders import (
    admin_group,
    campaign,
    group,
    joined,
    later,
    order,
    refusal,
    run_jobs_after,
    started,
)
from tests.api.shop.builders import admin_order, pay_offline, stock_of


def refunds_of(tenant, placed) -> list[dict]:
    return tenant.admin.get(f"/v1/admin/orders/{placed['id']}/refunds", expect=200).get_json()["data"]


def test_an_unfilled_group_fails_at_its_deadline_refunding_the_paid_and_cancelling_the_unpaid(tenant, published):
    tenant.settings({"orders": {"unpaid_timeout_minutes": 120}})
    gb = campaign(tenant, group_size=4, time_limit_minutes=30, stock=10)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    _paid_member, paid = joined(tenant, gb, group_id)
    _unpaid_member, unpaid = joined(tenant, gb, group_id, paid=False)
    assert stock_of(tenant, gb["product"]) == 7

    run_jobs_after(tenant, minutes=31)

    shown = group(leader, group_id)
    assert (shown["status"], shown["virtual_filled"], shown["seats_left"]) == ("failed", False, 0)
    # Refunded after the group failed: its members and counts stay as they were; the unpaid seat left.
    assert [(m["customer_id"], m["paid"]) for m in shown["members"]] == [(leader.customer_id, True),
                                                                         (_paid_member.customer_id, True)]
    assert shown["paid_count"] == 2
    for placed in (first, paid):
        assert admin_order(tenant, placed)["status"] == "refunded"
        assert [(r["amount"], r["status"]) for r in refunds_of(tenant, placed)] == [(3000, "succeeded")]
        assert admin_order(tenant, placed)["group_buy"]["group_status"] == "failed"
    assert admin_order(tenant, unpaid)["status"] == "cancelled"
    assert admin_order(tenant, unpaid)["cancel_reason"] == "group_failed"
    assert stock_of(tenant, gb["product"]) == 10
    assert len([e for e in published if isinstance(e, GroupFailed)]) == 1
    assert not [e for e in published if isinstance(e, GroupSucceeded)]


def test_an_expired_unfilled_group_is_never_a_success_without_a_threshold(tenant):
    gb = campaign(tenant, group_size=3, time_limit_minutes=30)
    leader, first = started(tenant, gb)
    joined(tenant, gb, first["group_buy"]["group_id"])  # 2 of 3 paid

    run_jobs_after(tenant, minutes=31)

    assert group(leader, first["group_buy"]["group_id"])["status"] == "failed"
    tenant.admin.post(f"/v1/admin/orders/{first['id']}/ship", expect=409)


def test_a_group_that_reaches_the_threshold_fills_virtually_and_keeps_what_was_paid(tenant, published):
    gb = campaign(tenant, group_size=4, time_limit_minutes=30, virtual_fill_threshold="0.5")
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    _member, paid = joined(tenant, gb, group_id)

    run_jobs_after(tenant, minutes=31)

    shown = group(leader, group_id)
    assert (shown["status"], shown["virtual_filled"], shown["paid_count"], shown["seats_left"]) == (
        "succeeded", True, 2, 0)
    assert admin_order(tenant, paid)["status"] == "paid" and refunds_of(tenant, paid) == []
    assert admin_order(tenant, paid)["group_buy"]["group_status"] == "succeeded"
    [succeeded] = [e for e in published if isinstance(e, GroupSucceeded)]
    assert succeeded.virtual_filled and succeeded.paid_count == 2


def test_a_group_below_the_threshold_fails(tenant):
    gb = campaign(tenant, group_size=4, time_limit_minutes=30, virtual_fill_threshold="0.75")
    leader, first = started(tenant, gb)
    joined(tenant, gb, first["group_buy"]["group_id"])  # 2 of 4 = 0.5

    run_jobs_after(tenant, minutes=31)

    assert group(leader, first["group_buy"]["group_id"])["status"] == "failed"


def test_a_seat_held_unpaid_at_a_virtual_fill_may_still_be_paid(tenant):
    tenant.settings({"orders": {"unpaid_timeout_minutes": 120}})
    gb = campaign(tenant, group_size=4, time_limit_minutes=30, virtual_fill_threshold="0.5")
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    joined(tenant, gb, group_id)
    _late, unpaid = joined(tenant, gb, group_id, paid=False)
    run_jobs_after(tenant, minutes=31)

    pay_offline(tenant, unpaid)

    shown = group(leader, group_id)
    assert (shown["status"], shown["paid_count"], shown["seats_left"]) == ("succeeded", 3, 0)
    assert admin_order(tenant, unpaid)["group_buy"]["group_status"] == "succeeded"


def test_a_threshold_never_fills_a_group_whose_leader_never_paid(tenant):
    gb = campaign(tenant, group_size=2, virtual_fill_threshold="0")
    leader = tenant.consumer()
    placed = order(leader, gb)

    tenant.admin.post(f"/v1/admin/group-buys/{gb['id']}/end", expect=202)

    assert group(leader, placed["group_buy"]["group_id"])["status"] == "failed"
    assert admin_order(tenant, placed)["status"] == "cancelled"


def test_ending_a_campaign_resolves_every_open_group_as_at_its_deadline(tenant):
    gb = campaign(tenant, group_size=2, virtual_fill_threshold="0.5")
    leader, formed = started(tenant, gb)  # 1 of 2 paid: fills virtually
    pending = order(tenant.consumer(), gb)  # its leader never paid: fails
    _a, full = started(tenant, gb)
    joined(tenant, gb, full["group_buy"]["group_id"])  # succeeded already: untouched

    ended = tenant.admin.post(f"/v1/admin/group-buys/{gb['id']}/end", expect=202).get_json()

    assert ended["status"] == "ended"
    assert admin_group(tenant, gb, formed["group_buy"]["group_id"])["virtual_filled"] is True
    assert admin_group(tenant, gb, pending["group_buy"]["group_id"])["status"] == "failed"
    assert admin_group(tenant, gb, full["group_buy"]["group_id"])["virtual_filled"] is False
    assert tenant.admin.post(f"/v1/admin/group-buys/{gb['id']}/end", expect=409).get_json()["reason"] == \
        "invalid_state"
    assert group(leader, formed["group_buy"]["group_id"])["status"] == "succeeded"


def test_a_campaign_whose_window_closes_resolves_its_groups_by_itself(tenant):
    gb = campaign(tenant, group_size=3, time_limit_minutes=600, ends_at=later(hours=1))
    leader, first = started(tenant, gb)

    run_jobs_after(tenant, minutes=61)

    assert group(leader, first["group_buy"]["group_id"])["status"] == "failed"
    assert admin_order(tenant, first)["status"] == "refunded"


def test_a_deadline_resolved_twice_has_one_effect(tenant, published):
    gb = campaign(tenant, group_size=3, time_limit_minutes=30)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]

    run_jobs_after(tenant, minutes=31)
    with tenant_scope(tenant.id), unit_of_work() as session:
        again = service.resolve(session, group_id=group_id)
    with tenant_scope(tenant.id), unit_of_work() as session:
        jobs.enqueue(session, "groupbuy.unwind_group", key=f"again:{group_id}", group_id=group_id)
    run_jobs_after(tenant, minutes=32)

    assert again is None
    assert len([e for e in published if isinstance(e, GroupFailed)]) == 1
    assert len([e for e in published if isinstance(e, OrderRefunded)]) == 1
    assert len(refunds_of(tenant, first)) == 1


def test_a_member_refunded_in_full_after_the_group_succeeded_stays_in_it(tenant):
    gb = campaign(tenant, group_size=2)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    member, paid = joined(tenant, gb, group_id)
    before = group(leader, group_id)
    assert before["status"] == "succeeded"

    tenant.admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {}, expect=201)

    assert admin_order(tenant, paid)["status"] == "refunded"
    shown = group(leader, group_id)
    assert shown == before
    assert (shown["status"], shown["paid_count"], shown["seats_left"]) == ("succeeded", 2, 0)
    assert [(m["customer_id"], m["paid"]) for m in shown["members"]] == [(leader.customer_id, True),
                                                                         (member.customer_id, True)]
    assert admin_group(tenant, gb, group_id)["status"] == "succeeded"


def test_a_member_refunded_in_full_after_a_success_no_longer_counts_against_the_limit(tenant):
    gb = campaign(tenant, group_size=2, per_customer_limit=1)
    leader, first = started(tenant, gb)
    group_id = first["group_buy"]["group_id"]
    member, paid = joined(tenant, gb, group_id)
    assert refusal(member, gb) == "group_buy_limit_reached"

    tenant.admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {}, expect=201)
    tenant.admin.post(f"/v1/admin/orders/{paid['id']}/refunds", {"amount": 1}, expect=409)  # nothing left

    assert order(member, gb)["group_buy"]["role"] == "leader"
    assert group(leader, group_id)["paid_count"] == 2
