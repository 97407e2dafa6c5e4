from datetime import timedelta

from core import clock
from tests.api.loyalty.coupons import TEMPLATES, claim, coupons_of, create_template
from tests.api.loyalty.scheduler import run_periodic_later


def test_a_consumer_claims_an_available_coupon(tenant):
    template = create_template(tenant, valid_from="2020-01-01T00:00:00Z", valid_until="2099-01-01T00:00:00Z")
    shopper = tenant.consumer()

    coupon = claim(shopper, template["id"])

    assert coupon["id"].startswith("cpn_")
    assert (coupon["template_id"], coupon["status"], coupon["source"]) == (template["id"], "available", "claim")
    assert coupon["valid_until"] == "2099-01-01T00:00:00+00:00"
    assert (coupon["kind"], coupon["amount_off"]) == ("amount_off", 1_000)
    assert tenant.admin.get(f"{TEMPLATES}/{template['id']}", expect=200).get_json()["issued_count"] == 1


def test_the_last_coupon_goes_to_one_customer_and_then_the_template_is_sold_out(tenant):
    template = create_template(tenant, total_quantity=1)
    claim(tenant.consumer(), template["id"])

    refused = claim(tenant.consumer(), template["id"], expect=409)

    assert refused["reason"] == "coupon_sold_out"


def test_a_customer_cannot_claim_past_the_per_customer_limit(tenant):
    template = create_template(tenant, per_customer_limit=2)
    shopper = tenant.consumer()
    claim(shopper, template["id"])
    claim(shopper, template["id"])

    refused = claim(shopper, template["id"], expect=409)

    assert refused["reason"] == "coupon_limit_reached"
    claim(tenant.consumer(), template["id"])  # the limit is per customer


def test_without_limits_a_customer_claims_as_many_as_she_likes(tenant):
    template = create_template(tenant)
    shopper = tenant.consumer()

    for _ in range(3):
        claim(shopper, template["id"])

    assert len(coupons_of(shopper)) == 3


def test_a_grant_only_template_cannot_be_claimed(tenant):
    template = create_template(tenant, claimable=False)

    assert claim(tenant.consumer(), template["id"], expect=404)["reason"] == "not_found"


def test_a_template_whose_window_ended_cannot_be_claimed(tenant):
    template = create_template(tenant, valid_until="2020-02-01T00:00:00Z")

    assert claim(tenant.consumer(), template["id"], expect=409)["reason"] == "coupon_expired"


def test_valid_days_count_from_the_claim_and_the_coupon_then_expires(tenant):
    template = create_template(tenant, valid_days=3)
    shopper = tenant.consumer()

    coupon = claim(shopper, template["id"])

    with clock.travel(timedelta(days=3, minutes=1)):
        assert [c["id"] for c in coupons_of(shopper, "expired")] == [coupon["id"]]
        assert coupons_of(shopper, "available") == []
        assert coupons_of(shopper)[0]["status"] == "expired"


def test_the_expiry_job_records_lapsed_coupons_as_expired(tenant):
    template = create_template(tenant, valid_days=1)
    shopper = tenant.consumer()
    lapsing = claim(shopper, template["id"])
    lasting = claim(shopper, create_template(tenant)["id"])

    run_periodic_later("loyalty.coupons.expire", after=timedelta(days=2))

    assert [c["id"] for c in coupons_of(shopper, "expired")] == [lapsing["id"]]
    assert [c["id"] for c in coupons_of(shopper, "available")] == [lasting["id"]]


def test_grants_issue_one_coupon_to_each_customer_within_the_limits(tenant, other_tenant):
    template = create_template(tenant, claimable=False, per_customer_limit=1, total_quantity=3)
    alice, bob, carol, dave = (tenant.consumer() for _ in range(4))
    claim_path = f"{TEMPLATES}/{template['id']}/grants"
    stranger = other_tenant.consumer()

    first = tenant.admin.post(claim_path, {"customer_ids": [alice.customer_id, bob.customer_id, alice.customer_id,
                                                            stranger.customer_id, "cus_nobody"]},
                              expect=201).get_json()
    second = tenant.admin.post(claim_path, {"customer_ids": [bob.customer_id, carol.customer_id, dave.customer_id]},
                               expect=201).get_json()

    assert (first["issued"], first["skipped"]) == (2, 2)
    assert (second["issued"], second["skipped"]) == (1, 2)  # bob is at his limit, dave finds it sold out
    assert second["skipped_customer_ids"] == [bob.customer_id, dave.customer_id]
    assert [c["source"] for c in coupons_of(alice)] == ["grant"]
    assert coupons_of(stranger) == [] and coupons_of(dave) == []


def test_grants_need_customer_ids(tenant):
    template = create_template(tenant)

    tenant.admin.post(f"{TEMPLATES}/{template['id']}/grants", {"customer_ids": []}, expect=422)
    tenant.admin.post(f"{TEMPLATES}/{template['id']}/grants", {}, expect=422)


def test_an_admin_voids_an_available_coupon_once(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])

    voided = tenant.admin.post(f"/v1/admin/coupons/{coupon['id']}/void", expect=200).get_json()
    again = tenant.admin.post(f"/v1/admin/coupons/{coupon['id']}/void", expect=409).get_json()

    assert voided["status"] == "void" and again["reason"] == "invalid_state"
    assert [c["id"] for c in coupons_of(shopper, "void")] == [coupon["id"]]
