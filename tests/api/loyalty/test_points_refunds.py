"""Refunds: points spent come back in proportion, points earned are taken back in proportion, once each."""

from core.events import OrderRefunded
from tests.api.loyalty.orders import checkout, deliver_again, paid_order, refund
from tests.api.loyalty.points import entries_of, give_points, points_of
from tests.api.shop.conftest import of_order


def test_a_partial_refund_takes_back_its_share_of_the_earned_points(tenant):
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, amount=10_000)  # 100 points

    refund(tenant, order, amount=2_500)

    assert points_of(shopper)["balance"] == 75
    assert entries_of(shopper) == [("earn", 100), ("reversal", -25)]


def test_refunds_together_take_back_exactly_what_the_order_earned(tenant):
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, amount=9_900)  # 99 points

    for _third in range(3):
        refund(tenant, order, amount=3_300)

    assert points_of(shopper)["balance"] == 0
    assert sum(points for kind, points in entries_of(shopper) if kind == "reversal") == -99


def test_the_same_refund_delivered_twice_reverses_once(tenant, published):
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, amount=10_000)
    refund(tenant, order, amount=5_000)

    deliver_again(tenant, *of_order(published, order["id"], OrderRefunded))

    assert points_of(shopper)["balance"] == 50


def test_taking_back_points_already_spent_leaves_a_debt_that_later_earnings_pay_first(tenant):
    shopper = tenant.consumer()
    order = paid_order(tenant, shopper, amount=10_000)  # 100 points
    tenant.settings({"loyalty": {"max_points_ratio": "1"}})  # an order paid with points alone
    paid_order(tenant, shopper, amount=0, points=80)

    refund(tenant, order, amount=10_000)
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (0, 80)

    paid_order(tenant, shopper, amount=5_000)  # 50 points, all to the debt
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (0, 30)
    paid_order(tenant, shopper, amount=5_000)
    assert (points_of(shopper)["balance"], points_of(shopper)["debt"]) == (20, 0)


def test_a_refund_of_a_pending_earning_takes_it_from_that_order_first(tenant):
    tenant.settings({"loyalty": {"points_pending_days": 7}})
    shopper = tenant.consumer()
    give_points(tenant, shopper, 40)
    order = paid_order(tenant, shopper, amount=10_000)

    refund(tenant, order, amount=10_000)

    summary = points_of(shopper)
    assert (summary["balance"], summary["pending"], summary["debt"]) == (40, 0, 0)


def test_a_refund_gives_back_its_share_of_the_points_the_order_spent(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 300)
    order = paid_order(tenant, shopper, amount=8_000, points=200)  # earns 80

    refund(tenant, order, amount=2_000)

    assert points_of(shopper)["balance"] == 100 + 80 + 50 - 20
    assert entries_of(shopper)[-2:] == [("return", 50), ("reversal", -20)]


def test_a_full_refund_returns_every_point_the_order_spent_and_no_more(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 200)
    order = paid_order(tenant, shopper, amount=1_000, points=200)  # earns 10
    refund(tenant, order, amount=500)

    refund(tenant, order, amount=500)

    assert [points for kind, points in entries_of(shopper) if kind == "return"] == [100, 100]
    assert points_of(shopper)["balance"] == 200


def test_one_refund_can_return_spent_points_and_take_them_straight_back_as_a_clawback(tenant):
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    order = paid_order(tenant, shopper, amount=10_000, points=100)  # earns 100
    checkout(tenant, shopper, points=100)  # the earning is spent elsewhere

    refund(tenant, order, amount=10_000)

    summary = points_of(shopper)
    assert (summary["balance"], summary["debt"], summary["held"]) == (0, 0, 100)
    assert entries_of(shopper)[-2:] == [("return", 100), ("reversal", -100)]
