"""Finance test data, built through the API as shops, distributors and buyers would: a distributor earns
commissions on real paid orders, their after-sales windows close, a settlement run makes them available."""

from __future__ import annotations

import uuid

from tests.api.distribution.builders import (
    approved_distributor,
    bound_to,
    buy,
    close_after_sales,
    enable,
    product,
    settle,
)
from tests.support.factories import TenantHandle
from tests.support.http import Caller


def shop_with_distribution(tenant: TenantHandle, **rules) -> None:
    """Everyone distributes at 10% (unless said otherwise); after-sales closes at completion."""
    enable(tenant, who="everyone", **rules)
    tenant.settings({"orders": {"after_sales_days": 0}})


def earning(tenant: TenantHandle, distributor: Caller, *, prices: tuple[int, ...] = (10_000,)) -> list[dict]:
    """A buyer bound to `distributor` buys once per price; each order is completed and its window closed
    (commission frozen, then due). Returns the orders."""
    buyer = bound_to(tenant, distributor)
    orders = []
    for price in prices:
        _made, sku = product(tenant, price)
        order = buy(tenant, buyer, sku)
        close_after_sales(tenant, order)
        orders.append(order)
    return orders


def distributor_with_available(tenant: TenantHandle, *, prices: tuple[int, ...] = (10_000,), **rules) -> Caller:
    """A distributor whose commissions (10% of each price) were settled: that much is available."""
    shop_with_distribution(tenant, **rules)
    distributor = approved_distributor(tenant)
    earning(tenant, distributor, prices=prices)
    settle(tenant)
    return distributor


def balance(distributor: Caller) -> dict:
    return distributor.get("/v1/storefront/distributor", expect=200).get_json()["balance"]


def withdraw(distributor: Caller, amount: int, *, expect: int = 201, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else None
    return distributor.post("/v1/storefront/distributor/withdrawals", {"amount": amount}, headers=headers,
                            expect=expect).get_json()


def move(tenant: TenantHandle, withdrawal: dict, action: str, body: dict | None = None, *, expect: int = 200,
         caller: Caller | None = None) -> dict:
    caller = caller or tenant.admin
    return caller.post(f"/v1/finance/withdrawals/{withdrawal['id']}/{action}", body or {}, expect=expect).get_json()


def pay_by_hand(tenant: TenantHandle, withdrawal: dict) -> dict:
    move(tenant, withdrawal, "approve")
    return move(tenant, withdrawal, "mark-paid", {"reference": f"BANK-{uuid.uuid4().hex[:8]}"})


def reconciliation(tenant: TenantHandle, **period) -> dict:
    return tenant.admin.get("/v1/finance/reports/reconciliation", query=period, expect=200).get_json()


def trial_balance(tenant: TenantHandle, **period) -> dict:
    return tenant.admin.get("/v1/finance/reports/trial-balance", query=period, expect=200).get_json()
