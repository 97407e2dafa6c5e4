"""Pure commission and binding rules: exact integers and fractions, no database.

A commission is computed from its line's paid total (`base`) and what is still net of refunds (`net`):
a rate earns `floor(net x rate)`; a fixed amount per unit earns `floor(fixed x quantity x net / base)`.
Both are recomputed from the cumulative net after every refund, never reduced by a refund's own share,
so several refunds end exactly where one refund of their sum would, and a fully refunded line earns 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Rule:
    """How one level of one line earns: a rate of the net paid, or a fixed amount per unit."""

    rate: Decimal | None = None
    fixed: int | None = None

    def as_dict(self) -> dict:
        return {"rate": None if self.rate is None else str(self.rate), "fixed": self.fixed}


def rule_for_level(level: int, *, product: dict | None, tenant_rate: Decimal) -> Rule | None:
    """The product's fixed amount for the level if set, else its rate if set, else the tenant's rate.

    None means the level earns nothing on this product (a fixed amount of 0).
    """
    product = product or {}
    fixed = product.get(f"level{level}_amount")
    if fixed is not None:
        return Rule(fixed=int(fixed)) if int(fixed) > 0 else None
    rate = product.get(f"level{level}_rate")
    return Rule(rate=Decimal(str(rate)) if rate is not None else tenant_rate)


def commission_amount(rule: Rule, *, base: int, net: int, quantity: int) -> int:
    """What a line earns at this level: never negative, never more than the rule allows on `net`."""
    if base <= 0 or net <= 0:
        return 0
    net = min(net, base)
    if rule.fixed is not None:
        return rule.fixed * quantity * net // base
    return math.floor(Fraction(net) * Fraction(rule.rate))


def after_refund(rule: Rule, *, base: int, net: int, quantity: int, refunded: int) -> tuple[int, int]:
    """A commission's (net, amount) once `refunded` more comes off its line: recomputed from the new net."""
    net = max(0, net - refunded)
    return net, commission_amount(rule, base=base, net=net, quantity=quantity)


def earners(chain: list[tuple[str, str]], *, levels: int) -> list[tuple[int, str]]:
    """(level, distributor id) for each level that earns, from the chain of (distributor id, status) upward.

    The chain is who would take level 1, 2, …: the buyer itself first when it buys for itself, then its
    bound distributor, then that one's. A level whose distributor is not approved (suspended) is skipped
    and the next level still earns.
    """
    return [(level, distributor_id) for level, (distributor_id, status) in enumerate(chain[:levels], start=1)
            if status == "approved"]


def binding_expired(expires_at: datetime | None, *, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def keeps_existing_binding(*, mode: str, expires_at: datetime | None, now: datetime) -> bool:
    """first_touch keeps an unexpired binding; last_touch replaces it; an expired one is always replaced."""
    return mode == "first_touch" and not binding_expired(expires_at, now=now)
