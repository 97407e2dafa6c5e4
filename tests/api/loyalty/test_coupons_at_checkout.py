"""Coupons through checkout: available -> locked -> used, back to available when the unpaid order is cancelled."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core import clock
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty import checkout as loyalty
from tests.api.loyalty.coupons import claim, coupons_of, create_template
from tests.api.loyalty.orders import cancel, checkout, pay, refused


def terms_for(tenant_id, customer_id, coupon_id):
    with unit_of_work() as session, tenant_scope(tenant_id):
        return loyalty.coupon_for_checkout(session, customer_id=customer_id, coupon_id=coupon_id)


def status_of(shopper, coupon_id):
    return next(c["status"] for c in coupons_of(shopper) if c["id"] == coupon_id)


def test_checkout_gets_the_coupons_terms(tenant):
    template = create_template(tenant, kind="percent_off", amount_off=None, percent_off=12.5, max_discount=900,
                               min_spend=5_000, product_ids=["prd_1"])
    shopper = tenant.consumer()
    coupon = claim(shopper, template["id"])

    terms = terms_for(tenant.id, shopper.customer_id, coupon["id"])

    assert terms == loyalty.CouponTerms(coupon_id=coupon["id"], kind="percent_off", amount_off=None,
                                         percent_off=Decimal("12.5"), max_discount=900, min_spend=5_000,
                                         product_ids=frozenset({"prd_1"}))


def test_someone_elses_or_an_unusable_coupon_is_not_applicable(tenant):
    shopper, other = tenant.consumer(), tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])
    not_yet = claim(shopper, create_template(tenant, valid_from="2098-01-01T00:00:00Z",
                                             valid_until="2099-01-01T00:00:00Z")["id"])
    lapsing = claim(shopper, create_template(tenant, valid_days=1)["id"])

    with pytest.raises(loyalty.CouponNotApplicable):
        terms_for(tenant.id, other.customer_id, coupon["id"])
    with pytest.raises(loyalty.CouponNotApplicable):
        terms_for(tenant.id, shopper.customer_id, not_yet["id"])
    with pytest.raises(loyalty.CouponNotApplicable), clock.travel(timedelta(days=2)):
        terms_for(tenant.id, shopper.customer_id, lapsing["id"])
    assert refused(tenant, other, coupon_id=coupon["id"]) == "coupon_not_applicable"


def test_a_coupon_is_locked_by_a_pending_order_and_used_when_it_is_paid(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])

    order = checkout(tenant, shopper, amount=2_000, coupon_id=coupon["id"])
    assert status_of(shopper, coupon["id"]) == "locked"
    assert coupons_of(shopper, "locked")[0]["order_id"] == order["id"]

    pay(tenant, order)
    assert status_of(shopper, coupon["id"]) == "used"


def test_a_locked_coupon_cannot_be_used_by_another_order(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])
    checkout(tenant, shopper, amount=2_000, coupon_id=coupon["id"])

    assert refused(tenant, shopper, amount=2_000, coupon_id=coupon["id"]) == "coupon_not_applicable"


def test_cancelling_the_unpaid_order_makes_the_coupon_available_again(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])
    order = checkout(tenant, shopper, amount=2_000, coupon_id=coupon["id"])

    cancel(shopper, order)

    assert status_of(shopper, coupon["id"]) == "available"
    checkout(tenant, shopper, amount=2_000, coupon_id=coupon["id"])  # usable again


def test_a_refused_points_hold_locks_no_coupon(tenant):
    shopper = tenant.consumer()
    coupon = claim(shopper, create_template(tenant)["id"])

    assert refused(tenant, shopper, amount=2_000, coupon_id=coupon["id"], points=10) == "insufficient_points"

    assert status_of(shopper, coupon["id"]) == "available"
