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
    from shop.orders.admin_views import blp as orders_admin
    from shop.orders.storefront_views import blp as orders_storefront
    from shop.payments.views import blp as webhooks

    return [catalog_admin, catalog_storefront, orders_storefront, orders_admin, webhooks, distribution_storefront,
            distribution_admin, distribution_finance, finance_storefront, finance_finance]


def wire() -> None:
    """Register the shop's jobs and distribution's subscriptions (the shop publishes order events)."""
    import shop.distribution.jobs  # noqa: F401 - settlement: periodic per tenant, and its batches
    import shop.finance.jobs  # noqa: F401 - Stripe Connect payouts, re-reading transfers
    import shop.orders.jobs  # noqa: F401 - the unpaid timeout, auto-completion, end of after-sales
    import shop.payments.jobs  # noqa: F401 - payment re-checks, voiding intents, submitting refunds
    from core.events import AfterSalesClosed, OrderPaid, OrderRefunded, subscribe
    from shop.distribution import handlers as distribution
    from tenants.sessions import hooks as login_hooks

    subscribe(OrderPaid, distribution.on_order_paid)
    subscribe(OrderRefunded, distribution.on_order_refunded)
    subscribe(AfterSalesClosed, distribution.on_after_sales_closed)
    login_hooks.register("binding", distribution.bind_at_login, on_refusal=distribution.binding_refused)
