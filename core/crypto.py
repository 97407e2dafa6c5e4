"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under keys from configuration.

`FISSION_ENCRYPTION_KEYS` is a comma-separated list of Fernet keys: the first encrypts, every one
decrypts (MultiFernet), so a key is rotated by putting a new one first, running
`flask secrets rotate` (or simply writing the value again), then dropping the old one. A stored
secret reads `fernet:<token>`; a value without the prefix is a plaintext one stored before
encryption existed, which still reads and is encrypted the next time it is written or rotated.
"""

from __future__ import annotations

import secrets as _random
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import ConfigurationError

PREFIX = "fernet:"


class SecretUnreadable(RuntimeError):
    """A stored secret does not decrypt with any configured key (a key was dropped too early)."""


class SecretBox:
    """Encrypts and decrypts short secrets with the configured keys."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ConfigurationError("FISSION_ENCRYPTION_KEYS names no key")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError) as error:  # never echo the key itself
            raise ConfigurationError(
                "FISSION_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64-encoded "
                "bytes each, e.g. from `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)") from error

    def encrypt(self, plaintext: str) -> str:
        """The stored form of a secret, encrypted with the newest key."""
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The secret from its stored form (a legacy plaintext value reads as itself)."""
        if not is_encrypted(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable("a stored secret does not decrypt with FISSION_ENCRYPTION_KEYS") from error

    def rotate(self, stored: str) -> str:
        """The stored form re-encrypted with the newest key (a legacy plaintext value gets encrypted)."""
        if not is_encrypted(stored):
            return self.encrypt(stored)
        try:
            return PREFIX + self._fernet.rotate(stored[len(PREFIX):].encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable("a stored secret does not decrypt with FISSION_ENCRYPTION_KEYS") from error


def is_encrypted(stored: str) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def parse_keys(value: str | None) -> list[str]:
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def instance_key(path: Path) -> str:
    """Embedded default only: a key generated once into the instance folder, like the signing key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def instance_secret(path: Path) -> str:
    """Embedded default only: a random signing secret generated once into the instance folder."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_random.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


_box: SecretBox | None = None


def configure(keys: list[str]) -> None:
    """Set the process's keys (the application factory does, from configuration)."""
    global _box
    _box = SecretBox(keys)


def box() -> SecretBox:
    if _box is None:
        raise ConfigurationError("encryption keys are not configured; call create_app() first")
    return _box
