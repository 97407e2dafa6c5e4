"""The version of each record a console form edits (see console/stale.py), read through the domains' services.

With `lock=True` the record's rows are locked first, in the order the services themselves lock them, so the
comparison and the write happen under the same lock.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from console import stale
from core.tenancy import require_tenant_id
from loyalty.points import service as points
from loyalty.segments import service as segments
from loyalty.vouchers import service as vouchers
from shop.catalog import service as catalog
from shop.distribution import service as distribution
from shop.orders.service import queries as orders
from tenants.customers import service as customers
from tenants.platform import service as platform


def product(session: Session, *, product_id: str, lock: bool = False) -> str:
    """A product with its SKUs (name, price and stock: a sale makes an edit form with stock in it stale)."""
    found = catalog.get_product(session, product_id=product_id)
    if lock:
        # The product row, then its SKUs in id order, as stock reservations lock them.
        stale.lock(session, [found, *sorted(found.skus, key=lambda sku: sku.id)])
    return stale.version_of(found, sorted(found.skus, key=lambda sku: sku.id))


def order(session: Session, *, order_id: str, lock: bool = False) -> str:
    """An order with its lines and payment; every change to an order moves its row, locked first everywhere."""
    found = orders.get_order(session, order_id=order_id)
    if lock:
        stale.lock(session, [found])
    return stale.version_of(found, found.lines, found.payment)


def customer_points(session: Session, *, customer_id: str, lock: bool = False) -> str:
    """A customer's points: every change writes a ledger entry, so the newest entry is the version. The lock
    is the customer's row, which serialises the console's adjustments of one customer."""
    customer = customers.get_customer(session, customer_id=customer_id)
    if lock:
        stale.lock(session, [customer])
    newest = points.customer_entries(session, customer_id=customer_id, limit=1, starting_after=None).data
    return stale.version_of(customer_id, [entry.id for entry in newest])


def settings_section(session: Session, *, name: str, lock: bool = False) -> str:
    """One settings section as stored (secrets included, hashed with the rest)."""
    tenant = platform.get_tenant(session, tenant_id=require_tenant_id())
    if lock:
        stale.lock(session, [tenant])
    return stale.version_of(name, (tenant.settings or {}).get(name))


def group_buy(session: Session, *, campaign_id: str, lock: bool = False) -> str:
    """A group-buy campaign with its prices (ending it, or its window closing, moves `ended_at` or its status)."""
    from shop.groupbuy import service as groupbuy

    found = groupbuy.get_campaign(session, campaign_id=campaign_id)
    if lock:
        stale.lock(session, [found])
    return stale.version_of(found, found.prices, found.status)


def withdrawal(session: Session, *, withdrawal_id: str, lock: bool = False) -> str:
    """A withdrawal: every move (a clerk's, another clerk's, the payout job's) rewrites its row, so a second
    approve or mark-paid of the same form is refused instead of acting twice."""
    from shop.finance import service as finance

    found = finance.get_withdrawal(session, withdrawal_id=withdrawal_id)
    if lock:
        stale.lock(session, [found])
    return withdrawal_version(found)


def withdrawal_version(found) -> str:
    """The version of a withdrawal already read (a list's rows: one form each, no second read)."""
    return stale.version_of(found)


def settlements(session: Session, *, lock: bool = False) -> str:
    """The newest settlement run: a run-settlement form submitted twice starts one run, not two (a second run
    would settle nothing twice anyway: runs take disjoint rows). No run row exists yet to lock, so the lock is
    the tenant's row, which serialises two clerks starting runs at once."""
    if lock:
        stale.lock(session, [platform.get_tenant(session, tenant_id=require_tenant_id())])
    newest = distribution.list_settlements(session, limit=1, starting_after=None).data
    return stale.version_of([run.id for run in newest])


def voucher_pool(session: Session, *, pool_id: str, lock: bool = False) -> str:
    """A pool with how many codes it holds: adding codes (generated, imported) makes older forms stale, so the
    same generate form submitted twice adds its codes once. The lock is the pool's row, which serialises the
    console's additions to one pool."""
    found = vouchers.get_pool(session, pool_id=pool_id)
    if lock:
        stale.lock(session, [found])
    counted = vouchers.get_pool(session, pool_id=pool_id, with_counts=True)
    return stale.version_of(found, counted.counts["total"])


def distributor(session: Session, *, distributor_id: str, lock: bool = False) -> str:
    """A distributor account: every decision moves its row (status, updated_at), locked first."""
    found = distribution.get_distributor(session, distributor_id=distributor_id)
    if lock:
        stale.lock(session, [found])
    return stale.version_of(found)


def segment(session: Session, *, segment_id: str, lock: bool = False) -> str:
    """A segment: its name and rule."""
    found = segments.get_segment(session, segment_id=segment_id)
    if lock:
        stale.lock(session, [found])
    return stale.version_of(found)


def campaign(session: Session, *, campaign_id: str, lock: bool = False) -> str:
    """A campaign: its terms and status (a launch through the API or another tab makes a launch form stale)."""
    found = segments.get_campaign(session, campaign_id=campaign_id)
    if lock:
        stale.lock(session, [found])
    return campaign_version(found)


def campaign_version(found) -> str:
    """The version of a campaign already read (the list's rows: one launch form each, no second read)."""
    return stale.version_of(found)
