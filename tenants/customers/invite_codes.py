"""Invite codes: every customer has one, stable and unique within its tenant.

Distribution binds with it and referrals credit it, so it is printed on posters and typed by hand:
eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 40 random bits — far
more than a tenant has customers, and unguessable enough that walking codes finds nobody.
"""

from __future__ import annotations

import secrets
import string

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_invite_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_invite_code(code: str | None) -> str | None:
    """The code as stored (upper case, no spaces or dashes), or None when it cannot be one."""
    if not code:
        return None
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t")
    if len(cleaned) != LENGTH or any(ch not in string.ascii_uppercase + string.digits for ch in cleaned):
        return None
    return cleaned
