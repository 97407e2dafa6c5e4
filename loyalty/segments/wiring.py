"""What segments subscribes to and registers (called from loyalty/wiring.py)."""

import loyalty.segments.jobs  # noqa: F401 - registers the refresh, campaign batches and their watches
from core.events import AfterSalesClosed, DistributorStatusChanged, OrderPaid, OrderRefunded, subscribe
from loyalty.segments import handlers, service
from loyalty.segments.service import customers
from tenants.customers import extensions as customer_extensions
from tenants.settings import registry as settings


def wire() -> None:
    """Order and distributor events, the refresh after a change of the lifecycle settings, and the admin
    customer views' `stage` and `tag` filters and lifecycle fields."""
    subscribe(OrderPaid, handlers.on_order_paid)
    subscribe(OrderRefunded, handlers.on_order_refunded)
    subscribe(AfterSalesClosed, handlers.on_after_sales_closed)
    subscribe(DistributorStatusChanged, handlers.on_distributor_status_changed)
    settings.on_change("lifecycle", service.request_refresh)
    customer_extensions.register_filter("stage", customers.STAGE_FIELD, customers.filter_by_stage)
    customer_extensions.register_filter("tag", customers.TAG_FIELD, customers.filter_by_tag)
    customer_extensions.register_detail("lifecycle", customers.lifecycle_fields)
