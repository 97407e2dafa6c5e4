"""Money is an integer count of the currency's minor unit; never a float."""

from dataclasses import dataclass
from fractions import Fraction

# ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}
SUPPORTED_CURRENCIES = frozenset(
    {"CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY", "KRW", "SGD", "AUD", "CAD", "CHF", "MOP", "THB", "MYR"}
)


def minor_per_major(currency: str) -> int:
    """How many minor units make one major unit (100 fen to the yuan, 1 yen to the yen)."""
    return 10 ** _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    def as_dict(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}


def round_half_up(value: Fraction | int) -> int:
    """Round a non-negative or negative exact fraction half away from zero at the unit."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    return sign * int(magnitude + Fraction(1, 2))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder; the parts always sum to total.

    Ties in remainder go to the earlier weight, so the result is deterministic.
    """
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total == 0:
            return [0] * len(weights)
        raise ValueError("cannot allocate a non-zero total over zero weights")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors, remainders = [], []
    for index, weight in enumerate(weights):
        share, remainder = divmod(magnitude * weight, weight_sum)
        floors.append(share)
        remainders.append((-remainder, index))
    leftover = magnitude - sum(floors)
    for _, index in sorted(remainders)[:leftover]:
        floors[index] += 1
    return [sign * part for part in floors]
