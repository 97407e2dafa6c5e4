"""What the shop contributes to the app: its blueprints, its jobs and its event subscriptions."""


def blueprints() -> list:
    import shop.distribution.settings  # noqa: F401 - registers the distribution section
    import shop.settings  # noqa: F401 - registers the orders and payments sections
    from shop.catalog.views import admin as catalog_admin
    from shop.catalog.views import shelf as catalog_storefront
    from shop.distribution.views import admin as distribution_admin
    from shop.distribution.views import finance as distribution_finance
    from shop.distribution.views import storefront as distribution_storefront
    from shop.finance.views import finance as finance_finance
    from shop.finance.views import storefront as finance_storefront
    from shop.groupbuy.views import admin as groupbuy_admin
    from shop.groupbuy.views import shelf as groupbuy_storefront
    from shop.orders.admin_views import blp as orders_admin
    from shop.orders.storefront_views import blp as orders_storefront
    from shop.payments.views import blp as webhooks

    return [catalog_admin, catalog_storefront, orders_storefront, orders_admin, webhooks, distribution_storefront,
            distribution_admin, distribution_finance, groupbuy_admin, groupbuy_storefront, finance_storefront,
            finance_finance]


def wire() -> None:
    """Register the shop's jobs, distribution's and group-buy's subscriptions (the shop publishes order events),
    and group-buy's checkout steps."""
    import shop.distribution.jobs  # noqa: F401 - settlement: periodic per tenant, and its batches
    import shop.finance.jobs  # noqa: F401 - Stripe Connect payouts, re-reading transfers
    import shop.groupbuy.jobs  # noqa: F401 - group deadlines, campaign ends, unwinding failed groups
    import shop.orders.jobs  # noqa: F401 - the unpaid timeout, auto-completion, end of after-sales
    import shop.payments.jobs  # noqa: F401 - payment re-checks, voiding intents, submitting refunds
    from core.events import AfterSalesClosed, OrderCancelled, OrderPaid, OrderRefunded, subscribe
    from shop.distribution import handlers as distribution
    from shop.groupbuy import handlers as groupbuy
    from shop.groupbuy import service as groupbuy_service
    from shop.orders.service import group_orders
    from tenants.sessions import hooks as login_hooks

    subscribe(OrderPaid, distribution.on_order_paid)
    subscribe(OrderRefunded, distribution.on_order_refunded)
    subscribe(AfterSalesClosed, distribution.on_after_sales_closed)
    login_hooks.register("binding", distribution.bind_at_login, on_refusal=distribution.binding_refused)
    # Group-buy sits above orders: it takes part in checkout through the steps it registers, and follows its
    # orders' payments, cancellations and refunds (after distribution has recorded the sale commissions).
    group_orders.register(terms=groupbuy_service.terms_for_order, take_seat=groupbuy_service.take_seat)
    subscribe(OrderPaid, groupbuy.on_order_paid)
    subscribe(OrderCancelled, groupbuy.on_order_cancelled)
    subscribe(OrderRefunded, groupbuy.on_order_refunded)
