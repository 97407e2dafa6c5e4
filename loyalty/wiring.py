"""What loyalty contributes to the app: its blueprints and its event subscriptions."""


def blueprints() -> list:
    import loyalty.segments.settings  # noqa: F401 - registers the lifecycle and campaigns sections
    import loyalty.settings  # noqa: F401 - registers the loyalty section
    from loyalty.coupons.views import blp as coupons
    from loyalty.points.views import blp as points
    from loyalty.rewards.views import blp as rewards
    from loyalty.segments.views import blp as segments
    from loyalty.signin.views import blp as sign_in

    return [points, sign_in, coupons, rewards, segments]


def wire() -> None:
    """Subscribe loyalty's handlers to order events and register its jobs."""
    import loyalty.coupons.jobs  # noqa: F401 - registers loyalty.coupons.expire
    import loyalty.points.jobs  # noqa: F401 - registers loyalty.points.expire
    from core.events import OrderCancelled, OrderPaid, OrderRefunded, subscribe
    from loyalty.coupons import handlers as coupon_handlers
    from loyalty.points import handlers as points_handlers
    from loyalty.segments.wiring import wire as wire_segments

    subscribe(OrderPaid, coupon_handlers.on_order_paid)
    subscribe(OrderPaid, points_handlers.on_order_paid)
    subscribe(OrderCancelled, coupon_handlers.on_order_cancelled)
    subscribe(OrderCancelled, points_handlers.on_order_cancelled)
    subscribe(OrderRefunded, points_handlers.on_order_refunded)
    wire_segments()  # after coupons and points: a stage is computed once the order's own effects are settled
