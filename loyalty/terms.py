"""The terms checkout prices with: a coupon's and the points', as plain values (a leaf module).

loyalty's capabilities build them (loyalty/coupons/checkout.py, loyalty/points/checkout.py); the shop
reads them through the facade (loyalty/checkout.py) and prices with them (shop/orders/pricing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CouponTerms:
    """An available coupon of this customer, as pricing needs it."""

    coupon_id: str
    kind: str  # "amount_off" | "percent_off"
    amount_off: int | None  # minor units
    percent_off: Decimal | None  # e.g. Decimal("15") for 15% off
    max_discount: int | None  # cap for percent_off, minor units
    min_spend: int  # minor units of in-scope subtotal needed
    product_ids: frozenset[str] | None  # None: every product is in scope


@dataclass(frozen=True)
class PointsTerms:
    balance: int  # points the customer may spend now
    point_value: int  # minor units one point is worth
    max_points_ratio: Decimal  # largest share of the order payable in points
