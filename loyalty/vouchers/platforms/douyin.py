"""Douyin life services (抖音生活服务, "来客"): the only module that talks to Douyin.

Redeeming a code at Douyin is prepare (验券准备: the code -> a one-time `verify_token` and the
certificates' `encrypted_code`s) then verify (验券: -> `certificate_id`, `verify_id`); taking it back is
cancel (撤销核销) with those two ids. Calls carry an `access-token` from `oauth/client_token`, kept per
app until shortly before it expires. Douyin's notifications carry `X-Douyin-Signature` = sha1(client
secret + raw body) and a `Msg-Id` that repeats when a message is pushed again. The base URL and the
credentials come from the pool's settings (`base_url`, `client_key`, `client_secret`, `poi_id`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime

import marshmallow as ma
import requests

from core import clock
from core.errors import InvalidRequest
from loyalty.vouchers import rules
from loyalty.vouchers.platforms.base import (
    Adapter,
    Challenge,
    CodeNotRedeemableThere,
    InvalidNotification,
    Notice,
    PlatformNotConfigured,
    PlatformUnavailable,
    Receipt,
)

DEFAULT_BASE_URL = "https://open.douyin.com"
TIMEOUT_SECONDS = 10
TOKEN_MARGIN_SECONDS = 300  # fetch a new token this long before the old one expires
ACTIONS = {"verify": "redeemed", "verify_cancel": "reversed", "refund_success": "refunded"}


class DouyinSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    base_url = ma.fields.Url(load_default=DEFAULT_BASE_URL, require_tld=False, schemes={"http", "https"})
    client_key = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64))
    client_secret = ma.fields.String(load_default=None, allow_none=True, load_only=True,
                                     metadata={"write_only": True}, validate=ma.validate.Length(max=128))
    poi_id = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64),
                              metadata={"description": "The Douyin store (门店) that verifies codes"})


class _Tokens:
    """client_token answers per (base URL, client key), reused until shortly before they expire."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, settings: dict) -> str:
        key = (settings["base_url"], settings["client_key"])
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        data = _call("POST", settings, "/oauth/client_token/", token=None, json_body={
            "client_key": settings["client_key"], "client_secret": settings["client_secret"],
            "grant_type": "client_credential"})
        token, lifetime = data.get("access_token"), int(data.get("expires_in") or 0)
        if not token:
            raise PlatformUnavailable("Douyin gave no access token")
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 0))
        return token

    def forget(self, settings: dict) -> None:
        with self._lock:
            self._tokens.pop((settings["base_url"], settings["client_key"]), None)


tokens = _Tokens()


def _call(method: str, settings: dict, path: str, *, token: str | None, params: dict | None = None,
          json_body: dict | None = None) -> dict:
    """One call to Douyin; its `data`, or PlatformUnavailable when the call or Douyin failed."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["access-token"] = token
    try:
        response = requests.request(method, settings["base_url"].rstrip("/") + path, params=params, json=json_body,
                                    headers=headers, timeout=TIMEOUT_SECONDS)
        body = response.json()
    except (requests.RequestException, ValueError) as error:
        raise PlatformUnavailable(f"Douyin {path} could not be reached: {error}") from error
    data, extra = body.get("data") or {}, body.get("extra") or {}
    error_code = data.get("error_code") or extra.get("error_code") or 0
    if response.status_code != 200 or error_code:
        if token is not None:
            tokens.forget(settings)  # an expired or revoked token: the retry fetches a new one
        raise PlatformUnavailable(f"Douyin {path} answered {response.status_code}, error {error_code}: "
                                  f"{data.get('description') or extra.get('description') or ''}".strip())
    return data


def _message_id(msg_id: str | None, body: bytes) -> str:
    """What deduplicates a notification: Msg-Id repeats when Douyin pushes the same message again; without
    one (or with one too long to keep), the body does."""
    if msg_id and len(msg_id) <= 200:
        return msg_id
    return hashlib.sha1(msg_id.encode() if msg_id else body).hexdigest()


def _code(value) -> str | None:
    """A code as we store it, or None when it cannot be one of ours."""
    code = rules.normalize(str(value)) if value else None
    return code if code and rules.format_problem(code) is None else None


def _identifier(value) -> str | None:
    """One of Douyin's ids (certificate, verification), or None when absent or not an id we could store."""
    return str(value) if value not in (None, "") and len(str(value)) <= 64 else None


class DouyinAdapter(Adapter):
    name = "douyin"
    settings_schema = DouyinSettings
    reports_redemptions = True

    def can_confirm(self, settings: dict) -> bool:
        """Whether the pool has what a verification needs (client key and secret, store id)."""
        try:
            self._configured(settings)
        except (PlatformNotConfigured, ma.ValidationError):
            return False
        return True

    def confirm_redemption(self, settings: dict, *, code: str) -> Receipt:
        """Prepare then verify `code` at the pool's Douyin store; CodeNotRedeemableThere when Douyin holds
        no unused certificate for it (used or refunded there already)."""
        settings = self._configured(settings)
        token = tokens.get(settings)
        prepared = _call("GET", settings, "/goodlife/v1/fulfilment/certificate/prepare/", token=token,
                         params={"code": code})
        certificates = prepared.get("certificates") or []
        if not certificates:
            raise CodeNotRedeemableThere(f"Douyin has no unused certificate for {code}")
        verified = _call("POST", settings, "/goodlife/v1/fulfilment/certificate/verify/", token=token, json_body={
            "verify_token": prepared["verify_token"], "poi_id": settings["poi_id"],
            "encrypted_codes": [certificates[0]["encrypted_code"]], "order_id": prepared.get("order_id")})
        results = verified.get("verify_results") or []
        if not results or results[0].get("result") != 0:
            message = results[0].get("msg") if results else "no result"
            raise PlatformUnavailable(f"Douyin did not verify {code}: {message}")
        return Receipt(certificate_id=str(results[0]["certificate_id"]), verify_id=str(results[0]["verify_id"]))

    def cancel_redemption(self, settings: dict, *, receipt: Receipt) -> None:
        """Take our verification back at Douyin (possible within about an hour of it)."""
        settings = self._configured(settings)
        _call("POST", settings, "/goodlife/v1/fulfilment/certificate/cancel/", token=tokens.get(settings),
              json_body={"certificate_id": receipt.certificate_id, "verify_id": receipt.verify_id})

    def read_notification(self, settings: dict, *, headers, body: bytes) -> Notice | Challenge:
        """A signed certificate notification (or Douyin's check of the URL); InvalidNotification otherwise."""
        secret = settings.get("client_secret")
        expected = hashlib.sha1((secret or "").encode() + body).hexdigest()
        if not secret or not hmac.compare_digest(expected, headers.get("X-Douyin-Signature", "")):
            raise InvalidNotification()
        try:
            message = json.loads(body)
            content = message.get("content") or {}
            if isinstance(content, str):  # Douyin sends content as a JSON string
                content = json.loads(content)
            if message.get("event") == "verify_webhook":
                return Challenge({"challenge": str(content.get("challenge"))})
            certificate = content.get("certificate") or {}
            sent_at = content.get("msg_time")
            return Notice(
                event_id=_message_id(headers.get("Msg-Id"), body),
                action=ACTIONS.get(content.get("action"), "unknown")
                if message.get("event") == "life_trade_certificate_notify" else "unknown",
                occurred_at=datetime.fromtimestamp(int(sent_at), UTC) if sent_at else clock.now(),
                code=_code(certificate.get("code")),  # sent for third-party codes only; Douyin's own are not
                certificate_id=_identifier(certificate.get("certificate_id")),
                verify_id=_identifier(content.get("verify_id")),
            )
        except (ValueError, TypeError, AttributeError, OverflowError, OSError) as error:
            raise InvalidRequest("The notification is not the JSON Douyin sends") from error

    @staticmethod
    def _configured(settings: dict) -> dict:
        settings = DouyinSettings().load(settings)
        missing = [name for name in ("client_key", "client_secret", "poi_id") if not settings.get(name)]
        if missing:
            raise PlatformNotConfigured(f"The pool's Douyin settings lack {', '.join(missing)}")
        return settings
