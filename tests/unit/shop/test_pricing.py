from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.checkout import (
    CouponNotApplicable,
    CouponTerms,
    InsufficientPoints,
    PointsLimitExceeded,
    PointsTerms,
    VoucherNotApplicable,
    VoucherTerms,
)
from shop.orders.pricing import LineInput, points_limit, price


def line(sku: str, quantity: int, unit_price: int, product: str | None = None) -> LineInput:
    return LineInput(sku_id=sku, product_id=product or f"prod_{sku}", quantity=quantity, unit_price=unit_price)


def coupon(kind="amount_off", amount_off=None, percent_off=None, max_discount=None, min_spend=0, product_ids=None):
    return CouponTerms(coupon_id="cpn_1", kind=kind, amount_off=amount_off,
                       percent_off=Decimal(percent_off) if percent_off is not None else None,
                       max_discount=max_discount, min_spend=min_spend,
                       product_ids=frozenset(product_ids) if product_ids is not None else None)


def voucher(face_value=500):
    return VoucherTerms(voucher_id="vch_1", code="CODE1234", face_value=face_value)


def points_terms(balance=10**9, point_value=1, ratio="0.5"):
    return PointsTerms(balance=balance, point_value=point_value, max_points_ratio=Decimal(ratio))


def test_without_discounts_each_line_pays_its_subtotal():
    quote = price([line("a", 3, 1000), line("b", 2, 300)])

    assert [(p.subtotal, p.discount, p.points_deduction, p.total) for p in quote.lines] == [
        (3000, 0, 0, 3000), (600, 0, 0, 600)]
    assert (quote.subtotal, quote.discount_total, quote.points_deduction, quote.total) == (3600, 0, 0, 3600)
    assert quote.coupon_id is None


def test_the_coupon_is_shared_by_subtotal_with_the_leftover_minor_unit_going_to_the_largest_remainder():
    quote = price([line("a", 1, 100), line("b", 1, 100), line("c", 1, 100)], coupon=coupon(amount_off=100))

    assert [p.discount for p in quote.lines] == [34, 33, 33]
    assert quote.discount_total == 100 and quote.coupon_id == "cpn_1"


def test_a_scoped_coupon_only_touches_lines_of_its_products():
    quote = price([line("a", 1, 1000, "prod_x"), line("b", 2, 500, "prod_y")],
                  coupon=coupon(kind="percent_off", percent_off="20", product_ids={"prod_y"}))

    assert [p.discount for p in quote.lines] == [0, 200]


def test_a_coupon_giving_nothing_is_not_applicable():
    with pytest.raises(CouponNotApplicable):
        price([line("a", 1, 1000)], coupon=coupon(amount_off=100, min_spend=1001))
    with pytest.raises(CouponNotApplicable):
        price([line("a", 1, 1000, "prod_x")], coupon=coupon(amount_off=100, product_ids={"prod_elsewhere"}))


def test_points_are_shared_over_what_is_left_after_the_coupon():
    quote = price([line("a", 3, 1000), line("b", 2, 300)], coupon=coupon(kind="percent_off", percent_off="10"),
                  points=1000, points_terms=points_terms())

    assert [(p.discount, p.points_deduction, p.points_used, p.total) for p in quote.lines] == [
        (300, 833, 833, 1867), (60, 167, 167, 373)]
    assert (quote.points_used, quote.points_deduction, quote.total) == (1000, 1000, 2240)


def test_points_worth_more_than_one_minor_unit_deduct_their_value():
    quote = price([line("a", 1, 1000)], points=100, points_terms=points_terms(point_value=5))

    assert (quote.points_used, quote.points_deduction, quote.total) == (100, 500, 500)


def test_the_points_limit_is_the_floor_of_the_ratio_of_what_the_coupon_leaves():
    assert points_limit(999, Decimal("0.5")) == 499
    assert price([line("a", 1, 999)], points=499, points_terms=points_terms()).total == 500
    with pytest.raises(PointsLimitExceeded):
        price([line("a", 1, 999)], points=500, points_terms=points_terms())
    with pytest.raises(PointsLimitExceeded):
        price([line("a", 1, 1000)], coupon=coupon(amount_off=200), points=401, points_terms=points_terms())


def test_points_beyond_the_balance_are_insufficient():
    with pytest.raises(InsufficientPoints):
        price([line("a", 1, 1000)], points=11, points_terms=points_terms(balance=10))


def test_a_voucher_comes_after_the_coupon_and_before_the_points_each_over_what_is_left_of_each_line():
    quote = price([line("a", 3, 1000), line("b", 2, 300)], coupon=coupon(kind="percent_off", percent_off="10"),
                  voucher=voucher(1000), points=500, points_terms=points_terms())

    # After the coupon: 2700 and 540 (3240); the voucher's 1000 by those: 833 and 167; points over 1867 and 373.
    assert [(p.discount, p.voucher_deduction, p.points_deduction, p.total) for p in quote.lines] == [
        (300, 833, 417, 1450), (60, 167, 83, 290)]
    assert (quote.voucher_deduction, quote.voucher_code, quote.voucher_id, quote.total) == (
        1000, "CODE1234", "vch_1", 1740)


def test_a_voucher_worth_more_than_the_order_takes_what_is_left_and_no_more():
    quote = price([line("a", 1, 800)], coupon=coupon(amount_off=300), voucher=voucher(1000))

    assert (quote.voucher_deduction, quote.total) == (500, 0)


def test_max_points_ratio_applies_to_what_the_coupon_and_the_voucher_leave():
    lines = [line("a", 1, 1000)]

    assert price(lines, voucher=voucher(400), points=300, points_terms=points_terms()).total == 300
    with pytest.raises(PointsLimitExceeded):
        price(lines, voucher=voucher(400), points=301, points_terms=points_terms())


def test_a_voucher_on_an_order_with_nothing_left_to_pay_is_not_applicable():
    with pytest.raises(VoucherNotApplicable):
        price([line("a", 1, 500)], coupon=coupon(amount_off=500), voucher=voucher(100))


lines_strategy = st.lists(
    st.builds(line, st.uuids().map(str), st.integers(1, 20), st.integers(0, 100_000), st.sampled_from(["p1", "p2"])),
    min_size=1, max_size=8, unique_by=lambda line_input: line_input.sku_id,
)


@given(lines=lines_strategy, amount_off=st.integers(1, 500_000), percent=st.integers(1, 100),
       kind=st.sampled_from(["amount_off", "percent_off"]), scope=st.sampled_from([None, {"p1"}, {"p2"}]),
       ratio=st.sampled_from(["0", "0.1", "0.5", "1"]), point_value=st.integers(1, 10), points_share=st.floats(0, 1),
       face_value=st.one_of(st.none(), st.integers(1, 500_000)))
def test_lines_always_sum_to_the_order_and_no_line_goes_negative(lines, amount_off, percent, kind, scope, ratio,
                                                                  point_value, points_share, face_value):
    terms = coupon(kind=kind, amount_off=amount_off if kind == "amount_off" else None,
                   percent_off=str(percent) if kind == "percent_off" else None, product_ids=scope)
    try:
        priced_with_coupon = price(lines, coupon=terms)
    except CouponNotApplicable:
        priced_with_coupon = price(lines)
        terms = None
    left = priced_with_coupon.subtotal - priced_with_coupon.discount_total
    terms_of_voucher = voucher(face_value) if face_value is not None and left > 0 else None
    voucher_total = min(face_value, left) if terms_of_voucher else 0
    limit = points_limit(left - voucher_total, Decimal(ratio))
    points = int(limit // point_value * points_share)

    quote = price(lines, coupon=terms, voucher=terms_of_voucher, points=points,
                  points_terms=points_terms(point_value=point_value, ratio=ratio))

    assert quote.subtotal == sum(p.subtotal for p in quote.lines)
    assert quote.discount_total == sum(p.discount for p in quote.lines)
    assert quote.voucher_deduction == sum(p.voucher_deduction for p in quote.lines) == voucher_total
    assert quote.points_deduction == sum(p.points_deduction for p in quote.lines) == points * point_value
    assert quote.points_used == sum(p.points_used for p in quote.lines) == points
    assert quote.total == sum(p.total for p in quote.lines) == quote.subtotal - quote.discount_total - (
        voucher_total + points * point_value)
    for priced in quote.lines:
        assert priced.total >= 0 and priced.discount >= 0 and priced.points_deduction >= 0
        assert priced.voucher_deduction >= 0
        assert priced.discount <= priced.subtotal
        if scope is not None and priced.product_id not in scope:
            assert priced.discount == 0
