"""Pure voucher rules: how codes are normalised, what a valid code is, and how generated codes are
drawn and checked.

Generated codes are 18 characters of a 31-character alphabet without look-alikes (no 0/O, 1/I/L):
17 drawn from `secrets` (17 x log2(31) = 84 random bits) and a check character. The check is a
weighted sum modulo 31, a prime: character i (from 0) weighs i + 1, and the check character makes
the sum 0. A different character anywhere changes the sum by (weight x difference), never a multiple
of 31 since both factors are between 1 and 30; swapping any two characters changes it by
(difference of weights x difference of characters), never a multiple of 31 either. So every single
mistyped character and every transposition (adjacent or not) of a generated code is caught.

A valid code is any 4-64 letters and digits (`format_problem`): imported codes come from other platforms
and are taken whatever their last character, so one may look like a generated code with a wrong check
character. The check character therefore never refuses a code: a lookup always asks the database, and
only when no voucher has the code does `problem_with` say it looks like a mistyped generated code.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31, a prime; the invite codes' alphabet too
MODULUS = len(ALPHABET)
RANDOM_CHARS = 17
GENERATED_LENGTH = RANDOM_CHARS + 1
_RANDOM_SPACE = MODULUS**RANDOM_CHARS  # about 2^84
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_DIGITS_OF_ALPHABET = frozenset("23456789")

MIN_LENGTH, MAX_LENGTH = 4, 64
_VALID = re.compile(rf"[A-Z0-9]{{{MIN_LENGTH},{MAX_LENGTH}}}")
_REMOVED = str.maketrans("", "", " -\t\r\n\u3000")


@dataclass(frozen=True)
class CodeProblem:
    """Why a code given to us is not a code we can store or find."""

    reason: str  # "empty" | "too_short" | "too_long" | "invalid_characters"; typed-in: "check_character_mismatch"
    message: str


def normalize(code: str) -> str:
    """A code as stored and compared: upper case, spaces (and other blanks) and '-' removed."""
    return code.translate(_REMOVED).upper()


def format_problem(normalized: str) -> CodeProblem | None:
    """What keeps a normalised code from being a valid code (4-64 letters and digits), or None when it is one
    a pool may hold: imported, looked up, verified, whatever its last character."""
    if _VALID.fullmatch(normalized):
        return None
    if not normalized:
        return CodeProblem("empty", "No code")
    if len(normalized) < MIN_LENGTH:
        return CodeProblem("too_short", f"At least {MIN_LENGTH} letters or digits")
    if len(normalized) > MAX_LENGTH:
        return CodeProblem("too_long", f"At most {MAX_LENGTH} letters or digits")
    return CodeProblem("invalid_characters", "Only letters A-Z and digits, with optional spaces and '-'")


def problem_with(normalized: str) -> CodeProblem | None:
    """What is wrong with a normalised code as someone typed it: a format problem, or a code of the generated
    shape whose check character is wrong (a likely typo). Only a hint once no voucher has the code: an
    imported code may have that shape, and it is valid (`format_problem`)."""
    problem = format_problem(normalized)
    if problem is None and is_generated_shape(normalized) and not has_valid_check_character(normalized):
        return CodeProblem("check_character_mismatch", "Looks like a generated code but its check character is wrong")
    return problem


def is_generated_shape(normalized: str) -> bool:
    """18 characters of the alphabet, at least one of them a letter (a generated code is never all digits)."""
    return (len(normalized) == GENERATED_LENGTH and all(char in _VALUE for char in normalized)
            and not set(normalized) <= _DIGITS_OF_ALPHABET)


def _weighted_sum(values: list[int]) -> int:
    return sum((position + 1) * value for position, value in enumerate(values)) % MODULUS


def check_character(payload: str) -> str:
    """The character that makes the weighted sum of `payload` + it zero modulo 31."""
    if len(payload) + 1 >= MODULUS:
        raise ValueError("weights must stay below the modulus")
    partial = _weighted_sum([_VALUE[char] for char in payload])
    weight = len(payload) + 1
    # weight x check = -partial (mod 31): multiply by the weight's inverse (31 is prime).
    return ALPHABET[(-partial * pow(weight, -1, MODULUS)) % MODULUS]


def has_valid_check_character(code: str) -> bool:
    if any(char not in _VALUE for char in code):
        return False
    return _weighted_sum([_VALUE[char] for char in code]) == 0


def generate_code() -> str:
    """A new unguessable code: 17 random characters (84 bits from `secrets`) and a check character."""
    while True:
        number = secrets.randbelow(_RANDOM_SPACE)  # one draw for all 17 characters
        chars = []
        for _ in range(RANDOM_CHARS):
            number, value = divmod(number, MODULUS)
            chars.append(ALPHABET[value])
        payload = "".join(chars)
        if not set(payload) <= _DIGITS_OF_ALPHABET:  # all digits: about 1 in 4 x 10^10; draw again
            return payload + check_character(payload)

