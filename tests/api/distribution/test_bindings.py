"""Binding customers to distributors, at login and later; every refusal with its reason."""

from datetime import timedelta

from core import clock
from tests.api.distribution.builders import (
    account,
    approved_distributor,
    bound_to,
    enable,
    invite_code,
    login,
)


def bind(consumer, code, expect):
    return consumer.post("/v1/storefront/bindings", {"invite_code": code}, expect=expect).get_json()


def test_a_customer_binds_to_a_distributor_with_its_invite_code(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)

    binding = bind(tenant.consumer(), invite_code(alice), 201)

    assert binding["distributor_id"] == alice.distributor_id and binding["expires_at"] is None
    assert account(alice)["team"] == {"level1": 1, "level2": 0}


def test_every_refusal_names_its_reason(tenant):
    enable(tenant, who="approved")
    alice, bob = approved_distributor(tenant), tenant.consumer()
    applicant = tenant.consumer()
    applicant.post("/v1/storefront/distributor", {}, expect=201)

    assert bind(bob, "NOSUCH99", 404)["reason"] == "not_found"
    assert bind(alice, invite_code(alice), 409)["reason"] == "self_binding"
    assert bind(bob, invite_code(applicant), 409)["reason"] == "not_a_distributor"
    assert bind(bob, invite_code(tenant.consumer()), 409)["reason"] == "not_a_distributor"
    assert bind(bob, "", 422)["reason"] == "invalid_request"
    bob.get("/v1/storefront/distributor", expect=404)


def test_a_suspended_distributor_takes_no_new_binding(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)
    tenant.admin.post(f"/v1/admin/distributors/{alice.distributor_id}/suspend", expect=200)

    assert bind(tenant.consumer(), invite_code(alice), 409)["reason"] == "not_a_distributor"


def test_no_binding_while_distribution_is_disabled(tenant):
    enable(tenant)
    alice = approved_distributor(tenant)
    tenant.settings({"distribution": {"enabled": False}})

    assert bind(tenant.consumer(), invite_code(alice), 409)["reason"] == "distribution_disabled"


def test_first_touch_keeps_the_first_binding_and_last_touch_replaces_it(tenant):
    enable(tenant, binding="first_touch")
    alice, bob = approved_distributor(tenant), approved_distributor(tenant)
    carol = bound_to(tenant, alice)

    kept = bind(carol, invite_code(bob), 409)
    tenant.settings({"distribution": {"binding": "last_touch"}})
    replaced = bind(carol, invite_code(bob), 201)

    assert kept["reason"] == "already_bound"
    assert replaced["distributor_id"] == bob.distributor_id
    assert account(alice)["team"]["level1"] == 0 and account(bob)["team"]["level1"] == 1


def test_an_expired_binding_binds_no_one_and_may_be_replaced_under_first_touch(tenant):
    enable(tenant, binding_days=30)
    alice, bob = approved_distributor(tenant), approved_distributor(tenant)
    carol = bound_to(tenant, alice)

    with clock.travel(timedelta(days=30, seconds=1)):
        expired_team = account(alice)["team"]["level1"]
        rebound = bind(carol, invite_code(bob), 201)

    assert expired_team == 0
    assert rebound["distributor_id"] == bob.distributor_id and rebound["expires_at"]


def test_no_cycles_of_any_length(tenant):
    enable(tenant, binding="last_touch")
    a, b, c, d = (approved_distributor(tenant) for _ in range(4))
    bind(a, invite_code(b), 201)  # a -> b

    assert bind(b, invite_code(a), 409)["reason"] == "binding_cycle"  # b -> a closes a ring of two
    bind(b, invite_code(c), 201)  # a -> b -> c
    bind(c, invite_code(d), 201)  # a -> b -> c -> d
    assert bind(d, invite_code(a), 409)["reason"] == "binding_cycle"  # d -> a closes a ring of four
    assert bind(c, invite_code(a), 409)["reason"] == "binding_cycle"  # even replacing c's own binding
    bind(d, invite_code(approved_distributor(tenant)), 201)  # elsewhere is fine


def test_team_counts_and_lists_by_level(tenant):
    enable(tenant, levels=2)
    alice = approved_distributor(tenant)
    bob = approved_distributor(tenant, bound_to(tenant, alice))
    carol = bound_to(tenant, bob)
    dave = bound_to(tenant, bob)

    level1 = alice.get("/v1/storefront/distributor/team", expect=200).get_json()["data"]
    level2 = alice.get("/v1/storefront/distributor/team", query={"level": 2}, expect=200).get_json()["data"]

    assert account(alice)["team"] == {"level1": 1, "level2": 2}
    assert [m["customer_id"] for m in level1] == [bob.customer_id]
    assert sorted(m["customer_id"] for m in level2) == sorted([carol.customer_id, dave.customer_id])
    assert alice.get("/v1/storefront/distributor/team", query={"level": 3}, expect=422)


def test_a_login_with_an_invite_code_binds_keeps_or_refuses_but_always_logs_in(tenant):
    enable(tenant)
    alice, bob = approved_distributor(tenant), approved_distributor(tenant)

    carol, first = login(tenant, invite_code=invite_code(alice), openid="carol")
    _, second = login(tenant, invite_code=invite_code(bob), openid="carol")
    _, unknown = login(tenant, invite_code="NOSUCH99")
    _, own = login(tenant, invite_code=invite_code(alice), openid=None)
    pending = tenant.consumer()
    tenant.settings({"distribution": {"who": "approved"}})
    pending.post("/v1/storefront/distributor", {}, expect=201)
    _, not_distributor = login(tenant, invite_code=invite_code(pending))

    assert first["binding"] == {"status": "bound"}
    assert second["binding"] == {"status": "kept"}
    assert unknown["binding"] == {"status": "refused", "reason": "not_found"}
    assert own["binding"] == {"status": "bound"}  # a new customer with alice's code
    assert not_distributor["binding"] == {"status": "refused", "reason": "not_a_distributor"}
    assert account(alice)["team"]["level1"] == 2


def test_a_login_with_its_own_code_is_refused_as_self_binding(tenant):
    enable(tenant)
    alice = approved_distributor(tenant, login(tenant, openid="alice")[0])

    _, again = login(tenant, invite_code=invite_code(alice), openid="alice")

    assert again["binding"] == {"status": "refused", "reason": "self_binding"}


def test_where_everyone_distributes_any_customers_code_binds(tenant):
    enable(tenant, who="everyone")
    alice = tenant.consumer()

    bind(tenant.consumer(), invite_code(alice), 201)

    assert account(alice)["status"] == "approved" and account(alice)["team"]["level1"] == 1
