"""Opaque, prefixed, unguessable public ids that sort by creation time.

An id is `<prefix>_<8 chars of milliseconds><16 random chars>` in base62. The time part makes
`ORDER BY id DESC` mean "newest first" (keyset pagination needs no second column); the random
part (~95 bits) makes ids unguessable.
"""

import secrets
import time

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order
_TIME_CHARS = 8
_RANDOM_CHARS = 16
_RANDOM_SPACE = 62**_RANDOM_CHARS


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new public id with the given prefix, e.g. new_id("ord") -> "ord_0LxR3c1a…"."""
    millis = time.time_ns() // 1_000_000
    # One draw for all 16 characters (62**16 ~ 2**95): a draw per character cost ~100 µs an id.
    random_part = _base62(secrets.randbelow(_RANDOM_SPACE), _RANDOM_CHARS)
    return f"{prefix}_{_base62(millis, _TIME_CHARS)}{random_part}"


def random_token(nbytes: int = 24) -> str:
    """A URL-safe random secret (for API keys and other credentials)."""
    return secrets.token_urlsafe(nbytes)
