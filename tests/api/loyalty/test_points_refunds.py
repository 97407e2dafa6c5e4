"""Refunds: points spent come back in proportion, points earned are taken back in proportion, once each."""

from tests.api.loyalty.orders import hold, paid_order, pay, refund
from tests.api.loyalty.points import entries_of, give_points, points_of


def test_a_partial_refund_takes_back_its_share_of_the_earned_points(tenant):
    shopper = tenant.consumer()
    order_id = paid_order(tenant.id, shopper.customer_id, amount=10_000)  # 100 points

    refund(tenant.id, shopper.customer_id, order_id, amount=2_500, paid_amount=10_000, refunded_total=2_500)

    assert points_of(shopper)["balance"] == 75
    assert entries_of(shopper) == [("earn", 100), ("reversal", -25)]


def test_refunds_together_take_back_exactly_what_the_order_earned(tenant):
    shopper = tenant.consumer()
    order_id = paid_order(tenant.id, shopper.customer_id, amount=9_900)  # 99 points

    for refunded_total in (3_300, 6_600, 9_900):
        refund(tenant.id, shopper.customer_id, order_id, amount=3_300, paid_amount=9_900,
               refunded_total=refunded_total)

    assert points_of(shopper)["balance"] == 0
    assert sum(points for kind, points in entries_of(shopper) if kind == "reversal") == -99


def test_the_same_refund_delivered_twice_reverses_once(tenant):
    shopper = tenant.consumer()
    order_id = paid_order(tenant.id, shopper.customer_id, amount=10_000)
    refund_id = refund(tenant.id, shopper.customer_id, order_id, amount=5_000, paid_amount=10_000,
                       refunded_total=5_000)

    refund(tenant.id, shopper.customer_id, order_id, amount=5_000, paid_amount=10_000, refunded_total=5_000,
           refund_id=refund_id)

    assert points_of(shopper)["balance"] == 50


def test_taking_back_points_already_spent_leaves_a_debt_that_later_earnings_pay_first(tenant):
    shopper = tenant.consumer()
    order_id = paid_order(tenant.id, shopper.customer_id, amount=10_000)  # 100 points
    spent_on = hold(tenant.id, shopper.customer_id, points=80)
    pay(tenant.id, shopper.customer_id, spent_on, amount=0, points_used=80)

    refund(tenant.id, shopper.customer_id, order_id, amount=10_000, paid_amount=10_000, refunded_total=10_000)
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (0, 80)

    paid_order(tenant.id, shopper.customer_id, amount=5_000)  # 50 points, all to the debt
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (0, 30)
    paid_order(tenant.id, shopper.customer_id, amount=5_000)
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (20, 0)


def test_a_refund_of_a_pending_earning_takes_it_from_that_order_first(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 7}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 40)
    order_id = paid_order(tenant.id, shopper.customer_id, amount=10_000)

    refund(tenant.id, shopper.customer_id, order_id, amount=10_000, paid_amount=10_000, refunded_total=10_000)

    summary = points_of(shopper)
    assert (summary["balance"], summary["pending"], summary["debt"]) == (40, 0, 0)


def test_a_refund_gives_back_its_share_of_the_points_the_order_spent(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 300)
    order_id = hold(tenant.id, shopper.customer_id, points=200)
    pay(tenant.id, shopper.customer_id, order_id, amount=8_000, points_used=200)  # earns 80

    refund(tenant.id, shopper.customer_id, order_id, amount=2_000, paid_amount=8_000, refunded_total=2_000,
           points_returned=50)

    assert points_of(shopper)["balance"] == 100 + 80 + 50 - 20
    assert entries_of(shopper)[-2:] == [("return", 50), ("reversal", -20)]


def test_a_full_refund_returns_every_point_the_order_spent_and_no_more(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 200)
    order_id = hold(tenant.id, shopper.customer_id, points=200)
    pay(tenant.id, shopper.customer_id, order_id, amount=1_000, points_used=200)  # earns 10
    refund(tenant.id, shopper.customer_id, order_id, amount=500, paid_amount=1_000, refunded_total=500,
           points_returned=150)

    refund(tenant.id, shopper.customer_id, order_id, amount=500, paid_amount=1_000, refunded_total=1_000,
           points_returned=150)

    assert [points for kind, points in entries_of(shopper) if kind == "return"] == [150, 50]
    assert points_of(shopper)["balance"] == 200


def test_one_refund_can_return_spent_points_and_take_them_straight_back_as_a_clawback(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    order_id = hold(tenant.id, shopper.customer_id, points=100)
    pay(tenant.id, shopper.customer_id, order_id, amount=10_000, points_used=100)  # earns 100
    hold(tenant.id, shopper.customer_id, points=100)  # the earning is spent elsewhere

    refund(tenant.id, shopper.customer_id, order_id, amount=10_000, paid_amount=10_000, refunded_total=10_000,
           points_returned=100)

    summary = points_of(shopper)
    assert (summary["balance"], summary["debt"], summary["held"]) == (0, 0, 100)
    assert entries_of(shopper)[-2:] == [("return", 100), ("reversal", -100)]
