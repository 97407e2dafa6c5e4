"""What loyalty contributes to the app: its blueprints and its event subscriptions."""


def blueprints() -> list:
    import loyalty.referrals.settings  # noqa: F401 - registers the referrals section
    import loyalty.segments.settings  # noqa: F401 - registers the lifecycle and campaigns sections
    import loyalty.settings  # noqa: F401 - registers the loyalty section
    import loyalty.vouchers.settings  # noqa: F401 - registers the vouchers section
    from loyalty.coupons.views import blp as coupons
    from loyalty.points.views import blp as points
    from loyalty.referrals.views import blp as referrals
    from loyalty.rewards.views import blp as rewards
    from loyalty.segments.views import blp as segments
    from loyalty.signin.views import blp as sign_in
    from loyalty.vouchers.views import blp as vouchers
    from loyalty.vouchers.views import webhooks as voucher_webhooks

    return [points, sign_in, coupons, rewards, referrals, vouchers, voucher_webhooks, segments]


def wire() -> None:
    """Subscribe loyalty's handlers to order events and register its jobs."""
    import loyalty.coupons.jobs  # noqa: F401 - registers loyalty.coupons.expire
    import loyalty.points.jobs  # noqa: F401 - registers loyalty.points.expire
    import loyalty.referrals.jobs  # noqa: F401 - registers loyalty.referrals.reward
    import loyalty.vouchers.jobs  # noqa: F401 - expiry, and reporting redemptions to platforms
    from core.events import AfterSalesClosed, OrderCancelled, OrderPaid, OrderPlaced, OrderRefunded, subscribe
    from loyalty.coupons import handlers as coupon_handlers
    from loyalty.points import handlers as points_handlers
    from loyalty.referrals import handlers as referral_handlers
    from loyalty.segments.wiring import wire as wire_segments
    from loyalty.vouchers import handlers as voucher_handlers
    from tenants.sessions import hooks as login_hooks

    subscribe(OrderPaid, coupon_handlers.on_order_paid)
    subscribe(OrderPaid, points_handlers.on_order_paid)
    subscribe(OrderCancelled, coupon_handlers.on_order_cancelled)
    subscribe(OrderCancelled, points_handlers.on_order_cancelled)
    subscribe(OrderRefunded, points_handlers.on_order_refunded)
    subscribe(OrderPaid, voucher_handlers.on_order_paid)
    subscribe(OrderCancelled, voucher_handlers.on_order_cancelled)
    # Referrals listen after points: an invitee's own earning is credited before her referral qualifies.
    subscribe(OrderPlaced, referral_handlers.on_order_placed)
    subscribe(OrderPaid, referral_handlers.on_order_paid)
    subscribe(AfterSalesClosed, referral_handlers.on_after_sales_closed)
    login_hooks.register("referral", referral_handlers.on_login, on_refusal=referral_handlers.on_refusal)
    wire_segments()  # after coupons and points: a stage is computed once the order's own effects are settled
