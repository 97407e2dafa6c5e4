"""Voucher codes: normalisation, what a valid code is, generation and its check character."""

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.vouchers import rules

payloads = st.text(alphabet=rules.ALPHABET, min_size=rules.RANDOM_CHARS, max_size=rules.RANDOM_CHARS)


def test_codes_are_compared_in_upper_case_without_spaces_or_dashes():
    assert rules.normalize(" ab12-cd34 ef\t") == "AB12CD34EF"
    assert rules.normalize("1046-8612-6200-130") == "104686126200130"


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "empty"), ("  - ", "empty"), ("AB1", "too_short"), ("A" * 65, "too_long"),
    ("AB_12", "invalid_characters"), ("券码1234", "invalid_characters"), ("ABCD.1234", "invalid_characters"),
])
def test_a_code_must_be_4_to_64_letters_and_digits(raw, reason):
    assert rules.problem_with(rules.normalize(raw)).reason == reason


def test_platform_codes_of_any_length_between_4_and_64_are_valid():
    for code in ("1234", "104686126200130", "5571630793", "A" * 64, "x7-y8-z9-w0"):
        assert rules.problem_with(rules.normalize(code)) is None


def test_a_generated_code_is_18_characters_of_the_alphabet_with_a_valid_check_character():
    for _ in range(500):
        code = rules.generate_code()

        assert len(code) == 18 and set(code) <= set(rules.ALPHABET)
        assert rules.is_generated_shape(code) and rules.has_valid_check_character(code)
        assert rules.problem_with(code) is None


def test_the_alphabet_has_no_look_alikes_and_a_prime_size():
    assert not set("01OIL") & set(rules.ALPHABET)
    assert len(set(rules.ALPHABET)) == 31 and all(31 % d for d in range(2, 31))


def test_generated_codes_carry_at_least_80_random_bits():
    assert rules.RANDOM_CHARS * math.log2(len(rules.ALPHABET)) >= 80


def test_generated_codes_do_not_repeat_and_use_the_whole_alphabet():
    codes = [rules.generate_code() for _ in range(5000)]

    assert len(set(codes)) == len(codes)
    frequencies = Counter("".join(code[:-1] for code in codes))
    assert set(frequencies) == set(rules.ALPHABET)
    expected = 5000 * rules.RANDOM_CHARS / len(rules.ALPHABET)
    assert all(abs(count - expected) < expected * 0.15 for count in frequencies.values())


def test_every_single_mistyped_character_of_a_generated_code_is_caught():
    for _ in range(200):
        code = rules.generate_code()
        for position in range(len(code)):
            for replacement in rules.ALPHABET:
                if replacement == code[position]:
                    continue
                typo = code[:position] + replacement + code[position + 1:]

                assert not rules.has_valid_check_character(typo), (code, typo)


@given(payloads, st.integers(min_value=0, max_value=rules.GENERATED_LENGTH - 1),
       st.integers(min_value=0, max_value=rules.GENERATED_LENGTH - 1))
def test_every_transposition_of_two_different_characters_is_caught(payload, first, second):
    code = payload + rules.check_character(payload)
    if code[first] == code[second]:
        return
    swapped = list(code)
    swapped[first], swapped[second] = swapped[second], swapped[first]

    assert not rules.has_valid_check_character("".join(swapped))


def test_every_adjacent_transposition_of_a_generated_code_is_caught():
    for _ in range(500):
        code = rules.generate_code()
        for position in range(len(code) - 1):
            if code[position] == code[position + 1]:
                continue
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]

            assert not rules.has_valid_check_character(swapped)


def test_a_code_of_the_generated_shape_with_a_wrong_check_character_is_not_a_code():
    code = rules.generate_code()
    typo = code[:5] + ("X" if code[5] != "X" else "Y") + code[6:]

    assert rules.problem_with(typo).reason == "check_character_mismatch"


def test_codes_that_are_not_of_the_generated_shape_need_no_check_character():
    eighteen_digits = "234567892345678923"  # all digits: never the generated shape
    with_look_alikes = "O" + rules.generate_code()[1:]  # O is not in the alphabet

    assert not rules.is_generated_shape(eighteen_digits) and rules.problem_with(eighteen_digits) is None
    assert not rules.is_generated_shape(with_look_alikes) and rules.problem_with(with_look_alikes) is None
