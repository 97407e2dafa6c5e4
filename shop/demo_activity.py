"""A month of shop life for the demo tenant, made by the real services at past times: customers, paid,
shipped, completed and refunded orders (which earn points), a points adjustment, coupons and a reward, and
two voucher pools (a platform's set-meal codes, some redeemed in store today; gift codes handed to customers).

The console's home page and lists then have something to show (`bin/run`, `flask console screenshots`).
"""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.db import enclosing_unit_of_work, unit_of_work
from loyalty.coupons import service as coupons
from loyalty.points import service as points
from loyalty.rewards import service as rewards
from loyalty.vouchers import service as vouchers
from shop.catalog import service as catalog
from shop.orders.service import checkout, lifecycle, queries, refunds
from shop.payments import service as payments
from tenants.customers import service as customers

PRODUCTS = ["Da Hong Pao oolong", "Longjing green tea", "Celadon tea cups"]  # of shop/demo.py's catalogue
CUSTOMERS = [("demo-lin", "林小雨"), ("demo-chen", "陈先生"), ("demo-zhao", "Zhao Min"), ("demo-wang", "王阿姨")]
# (days ago, customer, [(product in PRODUCTS, its sku, quantity)], what happened after payment)
ORDERS = [
    (27, 0, [(0, 0, 2)], "completed"), (24, 1, [(1, 0, 1)], "completed"), (21, 2, [(2, 0, 1)], "refunded"),
    (18, 0, [(0, 1, 1)], "completed"), (15, 3, [(1, 0, 2)], "shipped"), (12, 1, [(0, 0, 1), (2, 0, 1)], "completed"),
    (9, 2, [(1, 0, 1)], "shipped"), (6, 3, [(0, 0, 3)], "paid"), (4, 0, [(2, 0, 1)], "partly_refunded"),
    (2, 1, [(1, 0, 1)], "paid"), (1, 2, [(0, 1, 1)], "paid"), (0, 3, [(0, 0, 1)], "paid"), (0, 0, [(1, 0, 1)], None),
]


def has_activity() -> bool:
    """Whether the current tenant has any order yet."""
    with unit_of_work() as session:
        return bool(queries.list_orders(session, limit=1, starting_after=None).data)


def seed_activity() -> None:
    """Make the month of activity in the current tenant (call once, with its tenant scope set)."""
    with unit_of_work() as session:
        listed = catalog.list_products(session, status="active", limit=100, starting_after=None).data
        by_title = {product.title: [sku.id for sku in product.skus] for product in listed}
        skus = [by_title[title] for title in PRODUCTS]
    people = []
    with clock.travel(-timedelta(days=30)), unit_of_work() as session:
        for openid, nickname in CUSTOMERS:
            customer = customers.find_or_create(session, openid=openid, provider="dev")
            customer.nickname = nickname
            people.append(customer.id)
        points.adjust(session, customer_id=people[0], points=200, reason="老顾客回馈 / welcome back")
    for days_ago, who, lines, then in ORDERS:
        # The order and its payment commit together: placed a month ago, its unpaid timeout is long past, and
        # a worker already running (the browser tests', a demo's) would cancel it between two commits.
        with clock.travel(-timedelta(days=days_ago, hours=3)), enclosing_unit_of_work() as session:
            order = checkout.place_order(customer_id=people[who], lines=[
                {"sku_id": skus[product][sku], "quantity": quantity} for product, sku, quantity in lines])
            if then is not None:
                payments.pay_offline(session, order_id=order.id)
        if then is None:
            continue
        with clock.travel(-timedelta(days=max(days_ago - 1, 0))):
            _after_payment(order, then)
    with unit_of_work() as session:
        template = coupons.create_template(session, name="满100减10", kind="amount_off", amount_off=1000,
                                           min_spend=10000, valid_days=30, claimable=True)
        coupons.grant(session, template_id=template.id, customer_ids=people[:2])
        rewards.create_reward(session, name="10元优惠券", points_cost=100, coupon_template_id=template.id, stock=50)
    _seed_vouchers(people)


def _seed_vouchers(people: list[str]) -> None:
    with unit_of_work() as session:
        meal = vouchers.create_pool(session, name="美团双人下午茶套餐", platform="meituan", direction="accept",
                                    face_value=9900)
        vouchers.generate_codes(session, pool_id=meal.id, count=40)
        gift = vouchers.create_pool(session, name="门店礼品券", platform="offline", direction="issue", face_value=2000)
        vouchers.generate_codes(session, pool_id=gift.id, count=20)
        vouchers.grant(session, pool_id=gift.id, customer_ids=people[:3])
    with unit_of_work() as session:
        for voucher in vouchers.list_pool_vouchers(session, pool_id=meal.id, status="available", limit=3,
                                                   starting_after=None).data:
            vouchers.verify(session, code=voucher.code, credential="demo", key_id=None, location="demo")


def _after_payment(order, then: str) -> None:
    if then in ("shipped", "completed"):
        with unit_of_work() as session:
            lifecycle.ship(session, order_id=order.id, carrier="顺丰速运", tracking_number=f"SF{order.id[-8:]}")
    if then == "completed":
        with unit_of_work() as session:
            lifecycle.complete_order(session, order_id=order.id)
    if then == "refunded":
        refunds.issue_refund(order_id=order.id, reason="顾客不想要了")
    if then == "partly_refunded":
        refunds.issue_refund(order_id=order.id, amount=1000, reason="包装破损，部分退款")
