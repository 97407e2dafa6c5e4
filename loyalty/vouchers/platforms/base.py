"""What every voucher platform adapter offers, whatever the platform's own API looks like.

An adapter reports our redemptions to its platform (and takes them back), and reads the platform's own
notifications. A platform without an API of ours yet reports through the generic signed callback
(`POST /v1/webhooks/vouchers/{pool_id}`) and is told nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import marshmallow as ma

from core.errors import DomainError


class PlatformUnavailable(Exception):
    """The platform could not be reached or answered with an error: the job that called it is retried."""


class PlatformNotConfigured(PlatformUnavailable):
    """The pool lacks the settings (credentials, store id) to talk to its platform; retried until it has them."""


class CodeNotRedeemableThere(Exception):
    """The platform holds no unused voucher for this code: it was used (or refunded) there already."""


class InvalidNotification(DomainError):
    status, reason = 400, "invalid_signature"
    message = "The notification's signature does not match"


@dataclass(frozen=True)
class Receipt:
    """The platform's record of our redemption, needed to take it back."""

    certificate_id: str
    verify_id: str


@dataclass(frozen=True)
class Notice:
    """What a platform says happened to one of its vouchers."""

    event_id: str  # unique per event (the platform's message id)
    action: str  # "redeemed" | "reversed" | "refunded" | anything else: acknowledged, no effect
    occurred_at: datetime
    code: str | None = None  # normalised; absent where the platform names only its certificate
    certificate_id: str | None = None
    verify_id: str | None = None


@dataclass(frozen=True)
class Challenge:
    """A platform checking that the notification URL is ours: answer with `body`."""

    body: dict


class NoSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class Adapter:
    """The default: a platform we do not call. Its pools take its reports through the generic callback."""

    name = "generic"
    settings_schema: type[ma.Schema] = NoSettings
    reports_redemptions = False  # whether our redemptions are confirmed at the platform by a job

    def public_settings(self, settings: dict) -> dict:
        """The pool's settings as shown: secrets replaced by `<name>_set`."""
        schema = self.settings_schema()
        shown = {}
        for name, field in schema.fields.items():
            if field.metadata.get("write_only"):
                shown[f"{name}_set"] = bool(settings.get(name))
            else:
                shown[name] = settings.get(name, field.load_default if field.load_default is not ma.missing else None)
        return shown

    def can_confirm(self, settings: dict) -> bool:
        """Whether a job can report our redemptions to the platform with the pool's settings."""
        return False

    def confirm_redemption(self, settings: dict, *, code: str) -> Receipt:
        raise NotImplementedError(f"{self.name} is not told about redemptions")

    def cancel_redemption(self, settings: dict, *, receipt: Receipt) -> None:
        raise NotImplementedError(f"{self.name} is not told about redemptions")

    def read_notification(self, settings: dict, *, headers, body: bytes) -> Notice | Challenge:
        raise NotImplementedError(f"{self.name} sends no notifications of its own")
