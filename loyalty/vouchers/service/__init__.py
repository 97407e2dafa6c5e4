"""The voucher capability's services: pools, codes, handing out, redemption, platform events, reads."""

from loyalty.vouchers.service.callbacks import receive_callback, receive_platform_notification
from loyalty.vouchers.service.codes import generate_codes, import_codes
from loyalty.vouchers.service.handing import grant, hand_out
from loyalty.vouchers.service.imports import get_import, import_batch, list_imports, start_import
from loyalty.vouchers.service.pools import (
    create_pool,
    get_pool,
    list_pools,
    settings_fields,
    shown_settings,
    update_pool,
)
from loyalty.vouchers.service.queries import (
    list_customer_vouchers,
    list_pool_vouchers,
    redeemed_between,
    voucher_report,
)
from loyalty.vouchers.service.redemption import get_voucher, lookup, reverse, reverse_deadline, verify

__all__ = [
    "create_pool", "generate_codes", "get_import", "get_pool", "get_voucher", "grant", "hand_out", "import_batch",
    "import_codes", "list_customer_vouchers", "list_imports", "list_pool_vouchers", "list_pools", "lookup",
    "receive_callback", "receive_platform_notification", "redeemed_between", "reverse", "reverse_deadline",
    "settings_fields", "shown_settings", "start_import", "update_pool", "verify", "voucher_report",
]
