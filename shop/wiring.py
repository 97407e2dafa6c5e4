"""What the shop contributes to the app: its blueprints, its jobs and its event subscriptions."""


def blueprints() -> list:
    import shop.settings  # noqa: F401 - registers the orders and payments sections
    from shop.catalog.views import admin as catalog_admin
    from shop.catalog.views import shelf as catalog_storefront
    from shop.orders.admin_views import blp as orders_admin
    from shop.orders.storefront_views import blp as orders_storefront
    from shop.payments.views import blp as webhooks

    return [catalog_admin, catalog_storefront, orders_storefront, orders_admin, webhooks]


def wire() -> None:
    """Register the shop's jobs. The shop publishes order events; it subscribes to none."""
    import shop.orders.jobs  # noqa: F401 - the unpaid timeout, auto-completion, end of after-sales
    import shop.payments.jobs  # noqa: F401 - payment re-checks, voiding intents, submitting refunds
