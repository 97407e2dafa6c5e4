"""Distribution services: accounts, bindings, commissions, settlement, and reading them."""

from shop.distribution.service.bindings import bind, bound_distributor
from shop.distribution.service.commissions import (
    finalize_for_order,
    record_for_order,
    record_leader_commission,
    shrink_for_refund,
)
from shop.distribution.service.distributors import (
    apply,
    apply_for_account,
    approve,
    decide,
    ensure_earner_account,
    find_account,
    get_account_view,
    get_distributor,
    promote_by_spend,
    reinstate,
    reject,
    suspend,
)
from shop.distribution.service.reading import (
    balance_of,
    list_commissions,
    list_distributors,
    list_team,
    my_account,
    my_commissions,
)
from shop.distribution.service.settlement import (
    get_settlement,
    list_settlements,
    request_settlement,
    run_settlement_batch,
    settle_due,
    start_periodic_settlement,
)

__all__ = [
    "apply",
    "apply_for_account",
    "approve",
    "balance_of",
    "bind",
    "bound_distributor",
    "decide",
    "ensure_earner_account",
    "finalize_for_order",
    "find_account",
    "get_account_view",
    "get_distributor",
    "get_settlement",
    "list_commissions",
    "list_distributors",
    "list_settlements",
    "list_team",
    "my_account",
    "my_commissions",
    "promote_by_spend",
    "record_for_order",
    "record_leader_commission",
    "reinstate",
    "reject",
    "request_settlement",
    "run_settlement_batch",
    "settle_due",
    "shrink_for_refund",
    "start_periodic_settlement",
    "suspend",
]
