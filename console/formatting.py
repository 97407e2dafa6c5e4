"""Money, numbers and times as the console shows and reads them: the tenant's currency and timezone.

Money is shown from minor units as `¥ 1,234.50` and entered in major units (`12.50`), read exactly
(never through a float) and refused if it has more decimals than the currency has.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from core.money import minor_per_major

SYMBOLS = {"CNY": "¥", "JPY": "JP¥", "USD": "US$", "HKD": "HK$", "TWD": "NT$", "MOP": "MOP$", "EUR": "€",
           "GBP": "£", "KRW": "₩", "SGD": "S$", "AUD": "A$", "CAD": "CA$", "CHF": "CHF", "THB": "฿", "MYR": "RM"}


def _digits(currency: str) -> int:
    return len(str(minor_per_major(currency))) - 1


def major_units(amount: int, currency: str) -> str:
    """Minor units as a plain major-unit number for a form field: 1250 -> "12.50"."""
    digits = _digits(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def money(amount: int | None, currency: str) -> str:
    """Minor units for people: 123450 CNY -> "¥ 1,234.50"."""
    if amount is None:
        return "—"
    digits = _digits(currency)
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency)} {Decimal(abs(amount)).scaleb(-digits):,.{digits}f}"


def number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def parse_money(text: str, currency: str) -> int:
    """A major-unit amount typed by a person ("12.5", "1,234.50") in minor units; ValueError if it is not one."""
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥$").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    minor = value.scaleb(_digits(currency))
    if minor != minor.to_integral_value():
        raise ValueError(text)  # more decimals than the currency has
    return int(minor)


def local_time(moment: datetime | None, timezone: str) -> str:
    """A UTC instant as the tenant's wall-clock time: "2026-11-23 14:05"."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def local_date(moment: datetime | date | None, timezone: str) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(timezone)).date()
    return moment.isoformat()


def input_datetime(moment: datetime | None, timezone: str) -> str:
    """An instant as a `datetime-local` input's value in the tenant's timezone."""
    return "" if moment is None else moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def parse_input_datetime(text: str, timezone: str) -> datetime:
    """A `datetime-local` value typed in the tenant's timezone, as an aware instant; ValueError if malformed."""
    return datetime.fromisoformat(text.strip()).replace(tzinfo=ZoneInfo(timezone))
