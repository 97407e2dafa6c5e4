"""What loyalty contributes to the app: its blueprints and its event subscriptions."""


def blueprints() -> list:
    import loyalty.settings  # noqa: F401 - registers the loyalty section
    import loyalty.vouchers.settings  # noqa: F401 - registers the vouchers section
    from loyalty.coupons.views import blp as coupons
    from loyalty.points.views import blp as points
    from loyalty.rewards.views import blp as rewards
    from loyalty.signin.views import blp as sign_in
    from loyalty.vouchers.views import blp as vouchers
    from loyalty.vouchers.views import webhooks as voucher_webhooks

    return [points, sign_in, coupons, rewards, vouchers, voucher_webhooks]


def wire() -> None:
    """Subscribe loyalty's handlers to order events and register its jobs."""
    import loyalty.coupons.jobs  # noqa: F401 - registers loyalty.coupons.expire
    import loyalty.points.jobs  # noqa: F401 - registers loyalty.points.expire
    import loyalty.vouchers.jobs  # noqa: F401 - expiry, and reporting redemptions to platforms
    from core.events import OrderCancelled, OrderPaid, OrderRefunded, subscribe
    from loyalty.coupons import handlers as coupon_handlers
    from loyalty.points import handlers as points_handlers
    from loyalty.vouchers import handlers as voucher_handlers

    subscribe(OrderPaid, coupon_handlers.on_order_paid)
    subscribe(OrderPaid, points_handlers.on_order_paid)
    subscribe(OrderCancelled, coupon_handlers.on_order_cancelled)
    subscribe(OrderCancelled, points_handlers.on_order_cancelled)
    subscribe(OrderRefunded, points_handlers.on_order_refunded)
    subscribe(OrderPaid, voucher_handlers.on_order_paid)
    subscribe(OrderCancelled, voucher_handlers.on_order_cancelled)
