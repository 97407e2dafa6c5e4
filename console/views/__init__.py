"""The console's pages, one module per area; importing this package registers their routes on the blueprint."""

from console.views import (  # noqa: F401 - each module registers its routes
    auth,
    campaigns,
    coupons,
    customers,
    dashboard,
    distributors,
    fallback,  # noqa: F401, I001 - last: the catch-all for unknown console URLs
    finance,
    group_buys,
    orders,
    products,
    rewards,
    segments,
    settings,
    verify,
    vouchers,
)
