from datetime import UTC, datetime

import pytest

from console.formatting import local_time, major_units, money, parse_input_datetime, parse_money


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (123450, "CNY", "¥ 1,234.50"), (5, "CNY", "¥ 0.05"), (-1999, "CNY", "-¥ 19.99"), (0, "CNY", "¥ 0.00"),
    (1500, "JPY", "JP¥ 1,500"), (199, "USD", "US$ 1.99"), (1, "KWD", "KWD 0.001"),
])
def test_money_is_shown_from_minor_units_in_the_currencys_digits(amount, currency, shown):
    assert money(amount, currency) == shown


@pytest.mark.parametrize(("typed", "minor"), [("12.50", 1250), ("12.5", 1250), ("12", 1200), ("1,234.56", 123456),
                                              ("¥ 3.00", 300), ("0", 0), (" 7.1 ", 710)])
def test_typed_yuan_become_exact_minor_units(typed, minor):
    assert parse_money(typed, "CNY") == minor


@pytest.mark.parametrize("typed", ["12.345", "-1", "abc", "", "NaN", "Infinity", "1e3.5", "0.001"])
def test_amounts_that_are_not_money_are_refused(typed):
    with pytest.raises(ValueError):
        parse_money(typed, "CNY")


def test_a_form_value_round_trips_through_the_input():
    assert parse_money(major_units(123456, "CNY"), "CNY") == 123456
    assert major_units(1500, "JPY") == "1500"


def test_times_are_shown_on_the_tenants_wall_clock():
    moment = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)

    assert local_time(moment, "Asia/Shanghai") == "2026-02-01 00:30"
    assert local_time(None, "Asia/Shanghai") == "—"
    assert parse_input_datetime("2026-02-01T00:30", "Asia/Shanghai") == moment
