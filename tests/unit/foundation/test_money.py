from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import allocate, minor_per_major, round_half_up


@given(total=st.integers(min_value=-10**12, max_value=10**12),
       weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(any))
def test_allocated_parts_always_sum_to_the_whole(total, weights):
    parts = allocate(total, weights)

    assert sum(parts) == total
    assert len(parts) == len(weights)


@given(total=st.integers(min_value=0, max_value=10**12),
       weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(any))
def test_each_part_is_within_one_minor_unit_of_its_exact_share(total, weights):
    parts = allocate(total, weights)

    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, sum(weights))
        assert abs(part - exact) < 1
        assert weight or part == 0


def test_largest_remainders_get_the_leftover_units():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [3, 3, 4]) == [3, 3, 4]
    assert allocate(5, [1, 2]) == [2, 3]


def test_allocating_over_zero_weights_refuses_a_non_zero_total():
    assert allocate(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        allocate(1, [0, 0])


def test_rounding_is_half_up_at_the_minor_unit():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(3, 2)) == 2
    assert round_half_up(Fraction(249, 100)) == 2
    assert round_half_up(Fraction(-5, 2)) == -3


def test_currencies_know_their_minor_units():
    assert minor_per_major("CNY") == 100
    assert minor_per_major("JPY") == 1
    assert minor_per_major("KWD") == 1000
