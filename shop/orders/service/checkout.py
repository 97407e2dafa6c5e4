"""Checkout: price on the server, then reserve stock, hold loyalty terms and open the payment, all or nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, events, faults, jobs
from core.db import unit_of_work
from core.errors import InvalidRequest
from core.ids import new_id
from core.tenancy import require_tenant_id
from core.writes import NewRow, attach, built, write_new
from loyalty import checkout as loyalty
from shop.catalog import stock
from shop.catalog.models import Product, Sku
from shop.orders import pricing
from shop.orders.models import Order, OrderLine
from shop.orders.service import group_orders, lifecycle
from shop.orders.service.queries import get_order
from shop.payments import config, gateway
from shop.payments import service as payments
from shop.payments.models import Payment
from tenants.platform.cache import TenantFacts, tenant_cache
from tenants.settings import service as settings


def preview(session: Session, *, customer_id: str, lines: list[dict], coupon_id: str | None = None,
            points: int = 0, voucher_code: str | None = None, group_buy: dict | None = None) -> dict:
    """Price an order exactly as checkout would, holding nothing."""
    skus = _skus_for(session, lines)
    group = _group_terms(session, customer_id=customer_id, lines=lines, group_buy=group_buy, coupon_id=coupon_id,
                         voucher_code=voucher_code)
    quote = _quote(session, customer_id=customer_id, lines=lines, skus=skus, coupon_id=coupon_id, points=points,
                   voucher_code=voucher_code, group=group)
    short = sorted(line["sku_id"] for line in lines if skus[line["sku_id"]][0].stock < line["quantity"])
    if short:
        raise stock.OutOfStock(f"Not enough stock of {', '.join(short)}")
    return {"currency": _tenant(session).currency, **asdict(quote)}


def place_order(*, customer_id: str, lines: list[dict], coupon_id: str | None = None, points: int = 0,
                request_key: str | None = None, voucher_code: str | None = None,
                group_buy: dict | None = None, first_use: bool = False, claim: NewRow | None = None) -> Order:
    """Check out: a pending order whose stock, coupon, voucher and points are held, with its payment opened;
    an order that discounts leave nothing to pay for is paid at once.

    Owns its transactions: the order and everything it holds commit first; the PaymentIntent is
    created after that commit, so no row lock is held across the call to Stripe; if Stripe fails,
    a compensating transaction cancels the order, which releases everything, and the caller gets 502.
    `request_key` (the Idempotency-Key) is the order's natural key: a retry after a crash finds the
    order the first attempt committed and carries on from there (the intent's own key is the order's).
    `group_buy` (`{campaign_id, group_id?}`) starts or joins a group: the line is priced at the group price
    and the seat is taken in the order's transaction (shop/orders/service/group_orders.py).
    `first_use`: the key was never seen before, so no earlier attempt is looked for (a round trip saved); an
    order the key placed before its record was purged still meets the unique key below.
    `claim`: the Idempotency-Key's own row (core.idempotency.claim_row), written with the order.
    """
    try:
        with unit_of_work() as session:
            order = None if first_use else _placed_earlier(session, customer_id=customer_id,
                                                           request_key=request_key)
            placed = order is None
            if placed:
                order = _create_order(session, customer_id=customer_id, lines=lines, coupon_id=coupon_id,
                                      points=points, request_key=request_key, voucher_code=voucher_code,
                                      group_buy=group_buy, claim=claim)
            credentials = config.stripe_credentials(session) if _awaits_intent(order) else None
        if placed:
            faults.reached("checkout.order_committed")  # (in tests: die right after this commit)
    except IntegrityError:
        # Two retries of one checkout raced past the look above (the idempotency claim had expired): the
        # unique key let one of them place the order and rolled this one back whole. Carry on with its order.
        with unit_of_work() as session:
            order = _placed_earlier(session, customer_id=customer_id, request_key=request_key)
            if order is None:
                raise
            credentials = config.stripe_credentials(session) if _awaits_intent(order) else None
    if credentials is None:
        return order
    try:
        intent = gateway.create_intent(credentials, amount=order.total, currency=order.currency,
                                       metadata={"tenant_id": order.tenant_id, "order_id": order.id},
                                       idempotency_key=f"order:{order.id}:intent")
    except gateway.PaymentProviderError as error:
        with unit_of_work() as session:
            cancelled = lifecycle.cancel(session, order_id=order.id, reason="payment_provider_error")
            if cancelled is not None:
                cancelled.request_key = None  # the 502 said nothing is held: a retry with the key checks out anew
        raise gateway.PaymentProviderError(f"{error.message}. The order was cancelled; nothing is held.") from error
    with unit_of_work() as session:
        payments.attach_intent(session, order_id=order.id, intent=intent)
        return get_order(session, order_id=order.id)


def _placed_earlier(session: Session, *, customer_id: str, request_key: str | None) -> Order | None:
    if request_key is None:
        return None
    return session.scalars(
        select(Order).where(Order.customer_id == customer_id, Order.request_key == request_key)
    ).one_or_none()


def _awaits_intent(order: Order) -> bool:
    return order.payment.provider == "stripe" and order.payment.intent_id is None and order.status == "pending_payment"


def _create_order(session: Session, *, customer_id: str, lines: list[dict], coupon_id: str | None,
                  points: int, request_key: str | None, voucher_code: str | None, group_buy: dict | None,
                  claim: NewRow | None = None) -> Order:
    tenant = _tenant(session)
    terms = {"customer_id": customer_id, "lines": lines, "coupon_id": coupon_id, "points": points,
             "voucher_code": voucher_code, "group_buy": group_buy}
    # Stock first, priced in the same statement: one round trip instead of a read and an update per SKU.
    quantities = {line["sku_id"]: line["quantity"] for line in lines}
    reserved = stock.reserve_for_sale(session, quantities=quantities)
    if len(reserved) < len(quantities):
        _refuse(session, reserved=reserved, **terms)
    skus = {sku_id: (sku, sku.title) for sku_id, sku in reserved.items()}
    group = _group_terms(session, customer_id=customer_id, lines=lines, group_buy=group_buy, coupon_id=coupon_id,
                         voucher_code=voucher_code)
    quote = _quote(session, customer_id=customer_id, lines=lines, skus=skus, coupon_id=coupon_id, points=points,
                   voucher_code=voucher_code, group=group)
    now = clock.now()
    currency = tenant.currency
    credentials = config.stripe_credentials(session)
    # Stripe cannot take a zero amount: an order fully paid by discounts is confirmed offline.
    provider = "stripe" if credentials is not None and quote.total > 0 else "offline"
    timeout = timedelta(minutes=settings.section(session, "orders")["unpaid_timeout_minutes"])
    order_id = new_id("ord")
    # Built as loaded rows are (no attribute events): write_new makes them persistent as they are.
    order = built(
        Order, tenant_id=tenant.id, id=order_id, customer_id=customer_id, status="pending_payment", currency=currency,
        subtotal=quote.subtotal, discount_total=quote.discount_total, points_used=quote.points_used,
        points_deduction=quote.points_deduction, total=quote.total, refunded_total=0, coupon_id=quote.coupon_id,
        voucher_code=quote.voucher_code, voucher_deduction=quote.voucher_deduction,
        created_at=now, expires_at=now + timeout, request_key=request_key,
        **(group.order_fields() if group else {}),
    )
    lines = [
        built(OrderLine, tenant_id=tenant.id, id=new_id("line"), order_id=order_id, position=position,
              product_id=priced.product_id, sku_id=priced.sku_id,
              title=skus[priced.sku_id][1], sku_name=skus[priced.sku_id][0].name,
              quantity=priced.quantity, unit_price=priced.unit_price, subtotal=priced.subtotal,
              discount=priced.discount, voucher_deduction=priced.voucher_deduction,
              points_deduction=priced.points_deduction,
              points_used=priced.points_used, total=priced.total, refunded_quantity=0, refunded_amount=0,
              points_returned=0)
        for position, priced in enumerate(quote.lines)
    ]
    payment = built(Payment, tenant_id=tenant.id, id=new_id("pay"), order_id=order_id, provider=provider,
                    amount=quote.total, currency=currency, status="pending", created_at=now)
    attach(order, lines=lines, payment=payment)
    # Unpaid at expires_at, it is cancelled (an order with nothing to pay is paid below instead).
    timeout_job = () if quote.total == 0 else (jobs.intent(
        session, "shop.expire_unpaid_order", key=f"order:{order_id}:expire", run_at=order.expires_at,
        order_id=order_id),)
    # Order, lines, payment, the timeout job and the Idempotency-Key's claim in one round trip (on PostgreSQL);
    # a second checkout with this key fails here on the unique request key or the claim's own key, and its
    # transaction rolls back whole (place_order carries on with the first's order, if there is one).
    write_new(session, [order, *lines, payment], also=(*timeout_job, *((claim,) if claim else ())))
    if group:
        # After stock (SKU rows, then the group row: one lock order for every checkout), before the order
        # can be paid: a refused seat rolls the whole order back.
        group_orders.take_seat(session, order=order, terms=group)
    if quote.coupon_id or quote.points_used:
        loyalty.hold_for_order(session, customer_id=customer_id, order_id=order.id, coupon_id=quote.coupon_id,
                               points=quote.points_used)
    if quote.voucher_id:
        loyalty.lock_voucher_for_order(session, voucher_id=quote.voucher_id, customer_id=customer_id,
                                       order_id=order.id)
    events.publish(session, events.OrderPlaced(**lifecycle.identity(order), amount=order.total))
    if quote.total == 0:
        # Nothing to pay: the order is paid now (its coupon used, voucher redeemed, points spent). Read it back:
        # attributes a fresh row never had loaded (paid_at) are not filled in by the guarded update.
        payments.record_success(session, payment=order.payment)
        session.refresh(order)
    return order


def _refuse(session: Session, *, reserved: dict, customer_id: str, lines: list[dict], coupon_id: str | None,
            points: int, voucher_code: str | None, group_buy: dict | None) -> None:
    """Some SKUs could not be taken: refuse the order with the reason checkout has always given first (an
    unknown SKU, then the group, coupon, voucher and points, then the stock). The caller's rollback returns
    whatever was taken."""
    skus = _skus_for(session, lines)
    group = _group_terms(session, customer_id=customer_id, lines=lines, group_buy=group_buy, coupon_id=coupon_id,
                         voucher_code=voucher_code)
    _quote(session, customer_id=customer_id, lines=lines, skus=skus, coupon_id=coupon_id, points=points,
           voucher_code=voucher_code, group=group)
    short = sorted(line["sku_id"] for line in lines if line["sku_id"] not in reserved)
    raise stock.OutOfStock(f"Not enough stock of {short[0]}")


def _group_terms(session: Session, *, customer_id: str, lines: list[dict], group_buy: dict | None,
                 coupon_id: str | None, voucher_code: str | None) -> group_orders.GroupTerms | None:
    if group_buy is None:
        return None
    return group_orders.terms(session, customer_id=customer_id, lines=lines, group_buy=group_buy,
                              coupon_id=coupon_id, voucher_code=voucher_code)


def _quote(session: Session, *, customer_id: str, lines: list[dict], skus: dict, coupon_id: str | None,
           points: int, voucher_code: str | None = None,
           group: group_orders.GroupTerms | None = None) -> pricing.Quote:
    coupon = loyalty.coupon_for_checkout(session, customer_id=customer_id, coupon_id=coupon_id) if coupon_id else None
    voucher = (loyalty.voucher_for_checkout(session, customer_id=customer_id, code=voucher_code)
               if voucher_code is not None else None)
    points_terms = loyalty.points_for_checkout(session, customer_id=customer_id) if points else None
    # A group order's line enters pricing at the group price, before the coupon, voucher and points.
    unit_prices = group.unit_prices if group else {}
    inputs = [pricing.LineInput(sku_id=line["sku_id"], product_id=skus[line["sku_id"]][0].product_id,
                                quantity=line["quantity"],
                                unit_price=unit_prices.get(line["sku_id"], skus[line["sku_id"]][0].price))
              for line in lines]
    return pricing.price(inputs, coupon=coupon, voucher=voucher, points=points, points_terms=points_terms)


def _skus_for(session: Session, lines: list[dict]) -> dict[str, tuple[Sku, str]]:
    """The SKUs asked for with their products' titles; 422 naming each line whose SKU is unknown or not for sale."""
    ids = [line["sku_id"] for line in lines]
    rows = session.execute(
        select(Sku, Product.title).join(Sku.product).where(Sku.id.in_(ids), Product.status == "active")
    ).all()
    found = {sku.id: (sku, title) for sku, title in rows}
    errors = {str(index): {"sku_id": ["No such SKU for sale."]} for index, sku_id in enumerate(ids)
              if sku_id not in found}
    if errors:
        raise InvalidRequest("Some lines cannot be ordered", errors={"json": {"lines": errors}})
    return found


def _tenant(session: Session) -> TenantFacts:
    return tenant_cache.get(require_tenant_id(), session=session)
