"""Who may use which console page, as CONSOLE.md's roles say: one table, read by the views' decorators,
the navigation and the dashboard's cards.

`read` may open a page; `write` may submit its forms. A new capability's page adds its line here and its
views name it.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = ("admin",)
EVERYONE = ("admin", "finance", "staff")


@dataclass(frozen=True)
class Access:
    read: tuple[str, ...]
    write: tuple[str, ...] = ADMIN


PAGES: dict[str, Access] = {
    "home": Access(read=EVERYONE, write=()),
    "orders": Access(read=EVERYONE),
    "products": Access(read=ADMIN),
    "customers": Access(read=ADMIN),
    "coupons": Access(read=ADMIN),
    "rewards": Access(read=ADMIN),
    "settings": Access(read=ADMIN),
    # The second wave's capabilities.
    "vouchers": Access(read=ADMIN),
    "verify": Access(read=("admin", "staff"), write=("admin", "staff")),
    "group_buys": Access(read=ADMIN),
    "distributors": Access(read=ADMIN),
    "finance": Access(read=("admin", "finance"), write=("admin", "finance")),
    "segments": Access(read=ADMIN),
    "campaigns": Access(read=("admin", "finance")),
    # Not pages but cards and figures on the home page, shown to who may read the API's report.
    "points_report": Access(read=("admin", "finance"), write=()),
}


def may_read(role: str, page: str) -> bool:
    return role in PAGES[page].read


def may_write(role: str, page: str) -> bool:
    return role in PAGES[page].write
