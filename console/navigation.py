"""The console's navigation: every page CONSOLE.md names, in order. An entry shows when its view exists (its
endpoint is registered) and the clerk's role may read it, so a capability's page appears by itself once
its engineer adds the view."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from console.access import may_read


@dataclass(frozen=True)
class Entry:
    page: str  # its key in console.access.PAGES
    endpoint: str
    label: object  # a lazy translation


ENTRIES = [
    Entry("home", "console.dashboard", _l("Home")),
    Entry("orders", "console.orders", _l("Orders")),
    Entry("products", "console.products", _l("Products")),
    Entry("customers", "console.customers", _l("Customers")),
    Entry("coupons", "console.coupons", _l("Coupons")),
    Entry("rewards", "console.rewards", _l("Points mall")),
    Entry("vouchers", "console.vouchers", _l("Vouchers")),
    Entry("verify", "console.verify", _l("Verify a code")),
    Entry("group_buys", "console.group_buys", _l("Group buys")),
    Entry("distributors", "console.distributors", _l("Distributors")),
    Entry("finance", "console.finance", _l("Finance")),
    Entry("segments", "console.segments", _l("Segments")),
    Entry("campaigns", "console.campaigns", _l("Campaigns")),
    Entry("settings", "console.settings", _l("Settings")),
]


def for_role(role: str) -> list[dict]:
    """The entries this role sees, with their URLs."""
    views = current_app.view_functions
    return [{"page": entry.page, "label": entry.label, "url": url_for(entry.endpoint)}
            for entry in ENTRIES if entry.endpoint in views and may_read(role, entry.page)]
