"""Who distributes: applying under each `who`, the shop's decisions, promotion by spend, the admin list."""

from core import events
from tests.api.distribution.builders import (
    account,
    approved_distributor,
    buy,
    enable,
    invite_code,
    product,
)


def test_distribution_settings_have_their_defaults_and_refuse_bad_values(tenant):
    settings = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["distribution"]

    assert settings == {"enabled": False, "who": "approved", "spend_threshold": 0, "binding": "first_touch",
                        "binding_days": None, "levels": 1, "level1_rate": "0.10", "level2_rate": "0.05",
                        "self_purchase": False, "min_withdrawal": 100, "withdrawal_fee_rate": "0",
                        "payout_method": "manual"}
    for bad in ({"levels": 3}, {"level1_rate": "1.5"}, {"who": "anyone"}, {"binding_days": 0},
                {"binding": "sometimes"}, {"spend_threshold": -1}, {"payout_method": "cash"}):
        refused = tenant.admin.patch("/v1/admin/settings", {"distribution": bad}, expect=422).get_json()
        assert refused["reason"] == "invalid_request"
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["distribution"] == settings


def test_applying_while_distribution_is_disabled_is_refused(tenant):
    refused = tenant.consumer().post("/v1/storefront/distributor", {}, expect=409).get_json()

    assert refused["reason"] == "distribution_disabled"


def test_an_applicant_waits_for_the_shop_and_applying_again_returns_the_same_account(tenant):
    enable(tenant, who="approved")
    alice = tenant.consumer()

    applied = alice.post("/v1/storefront/distributor", {"name": "Alice's tea corner"}, expect=201).get_json()
    again = alice.post("/v1/storefront/distributor", {}, expect=200).get_json()

    assert applied["status"] == "pending" and again["id"] == applied["id"] and again["status"] == "pending"
    assert account(alice)["name"] == "Alice's tea corner"


def test_where_everyone_distributes_an_applicant_is_approved_at_once(tenant):
    enable(tenant, who="everyone")

    applied = tenant.consumer().post("/v1/storefront/distributor", {}, expect=201).get_json()

    assert applied["status"] == "approved"


def test_spend_threshold_judges_an_applicant_by_its_net_paid_spend(tenant):
    enable(tenant, who="spend_threshold", spend_threshold=5000)
    _tea, sku = product(tenant, 3000)
    alice = tenant.consumer()
    buy(tenant, alice, sku)

    refused = alice.post("/v1/storefront/distributor", {}, expect=409).get_json()
    tenant.settings({"distribution": {"spend_threshold": 3000}})
    applied = alice.post("/v1/storefront/distributor", {}, expect=201).get_json()

    assert refused["reason"] == "not_eligible"
    assert applied["status"] == "approved"


def test_a_customer_becomes_a_distributor_by_itself_when_its_spend_reaches_the_threshold(tenant):
    enable(tenant, who="spend_threshold", spend_threshold=5000)
    _tea, sku = product(tenant, 3000)
    alice = tenant.consumer()

    buy(tenant, alice, sku)
    alice.get("/v1/storefront/distributor", expect=404)
    second = buy(tenant, alice, sku)

    assert account(alice)["status"] == "approved" and account(alice)["source"] == "spend"
    tenant.admin.post(f"/v1/admin/orders/{second['id']}/refunds", expect=201)
    assert account(alice)["status"] == "approved"  # promotion by spend is never taken back


def test_the_account_shows_the_customers_own_invite_code_a_zero_balance_and_no_team(tenant):
    enable(tenant, who="everyone")
    alice = approved_distributor(tenant)

    mine = account(alice)

    assert mine["invite_code"] == invite_code(alice)
    assert mine["balance"] == {"frozen": 0, "available": 0, "withdrawing": 0, "withdrawn": 0}
    assert mine["team"] == {"level1": 0, "level2": 0}


def test_a_customer_without_an_account_gets_404(tenant):
    enable(tenant)

    assert tenant.consumer().get("/v1/storefront/distributor", expect=404).get_json()["reason"] == "not_found"


def test_the_shop_approves_rejects_suspends_and_reinstates_and_each_change_is_published(tenant, monkeypatch):
    seen = []
    publish = events.publish
    monkeypatch.setattr(events, "publish", lambda session, event: (seen.append(event), publish(session, event)))
    enable(tenant, who="approved")
    alice, bob = tenant.consumer(), tenant.consumer()
    alice_id = alice.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]
    bob_id = bob.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]
    finance = tenant.key("finance")

    approved = tenant.admin.post(f"/v1/admin/distributors/{alice_id}/approve", expect=200).get_json()
    suspended = finance.post(f"/v1/admin/distributors/{alice_id}/suspend", expect=200).get_json()
    reinstated = tenant.admin.post(f"/v1/admin/distributors/{alice_id}/reinstate", expect=200).get_json()
    rejected = tenant.admin.post(f"/v1/admin/distributors/{bob_id}/reject", expect=200).get_json()

    assert [approved["status"], suspended["status"], reinstated["status"], rejected["status"]] == [
        "approved", "suspended", "approved", "rejected"]
    assert account(bob)["status"] == "rejected"
    changes = [(e.customer_id, e.status) for e in seen if isinstance(e, events.DistributorStatusChanged)]
    assert changes == [(alice.customer_id, "pending"), (bob.customer_id, "pending"), (alice.customer_id, "approved"),
                       (alice.customer_id, "suspended"), (alice.customer_id, "approved"), (bob.customer_id, "rejected")]


def test_decisions_out_of_turn_are_refused_and_change_nothing(tenant):
    enable(tenant, who="approved")
    alice = tenant.consumer()
    alice_id = alice.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]

    for decision in ("suspend", "reinstate"):
        refused = tenant.admin.post(f"/v1/admin/distributors/{alice_id}/{decision}", expect=409).get_json()
        assert refused["reason"] == "invalid_state"
    tenant.admin.post(f"/v1/admin/distributors/{alice_id}/approve", expect=200)
    assert tenant.admin.post(f"/v1/admin/distributors/{alice_id}/reject", expect=409).get_json()["reason"] == \
        "invalid_state"
    assert account(alice)["status"] == "approved"


def test_only_admin_and_finance_keys_decide(tenant):
    enable(tenant, who="approved")
    alice = tenant.consumer()
    alice_id = alice.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]

    staff = tenant.key("staff").post(f"/v1/admin/distributors/{alice_id}/approve", expect=403).get_json()
    consumer = alice.post(f"/v1/admin/distributors/{alice_id}/approve", expect=403).get_json()

    assert staff["reason"] == consumer["reason"] == "forbidden"
    assert account(alice)["status"] == "pending"


def test_the_admin_list_filters_by_status(tenant):
    enable(tenant, who="approved")
    alice, bob = tenant.consumer(), tenant.consumer()
    alice_id = alice.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]
    bob_id = bob.post("/v1/storefront/distributor", {}, expect=201).get_json()["id"]
    tenant.admin.post(f"/v1/admin/distributors/{bob_id}/approve", expect=200)

    everyone = tenant.admin.get("/v1/admin/distributors", expect=200).get_json()["data"]
    pending = tenant.admin.get("/v1/admin/distributors", query={"status": "pending"}, expect=200).get_json()["data"]

    assert [d["id"] for d in everyone] == [bob_id, alice_id]
    assert [d["id"] for d in pending] == [alice_id]
    assert pending[0]["invite_code"] == invite_code(alice)
    assert tenant.admin.get("/v1/admin/distributors", query={"status": "bogus"}, expect=422)
