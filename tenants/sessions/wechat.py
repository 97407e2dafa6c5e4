"""The WeChat login client: `code2session` (jscode2session) at a configurable base URL.

The only module that talks to WeChat. Error answers come back as HTTP 200 with an `errcode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from core.errors import DomainError

TIMEOUT_SECONDS = 5
# errcodes where the code itself is bad: invalid, already used, or from another app
INVALID_CODE_ERRCODES = {40029, 40163, 40226, 40013}
# errcodes where WeChat asks us to try later
BUSY_ERRCODES = {-1, 45011}


class InvalidLoginCode(DomainError):
    status, reason = 401, "invalid_login_code"
    message = "WeChat refused this login code"


class ProviderUnavailable(DomainError):
    status, reason = 503, "provider_unavailable"
    message = "WeChat is unavailable; try again"


class ProviderError(DomainError):
    status, reason = 502, "provider_error"
    message = "WeChat answered with an error"


@dataclass(frozen=True)
class WechatIdentity:
    openid: str
    unionid: str | None


def code2session(*, base_url: str, app_id: str, app_secret: str, code: str) -> WechatIdentity:
    """Exchange a mini-program login code for the user's openid (and unionid, when bound)."""
    try:
        response = requests.get(
            f"{base_url.rstrip('/')}/sns/jscode2session",
            params={"appid": app_id, "secret": app_secret, "js_code": code, "grant_type": "authorization_code"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise ProviderUnavailable() from error
    if response.status_code >= 500:
        raise ProviderUnavailable()
    try:
        body = response.json()
    except ValueError as error:
        raise ProviderError("WeChat answered with something that is not JSON") from error
    errcode = body.get("errcode") or 0
    if errcode in INVALID_CODE_ERRCODES:
        raise InvalidLoginCode(f"WeChat refused this login code ({errcode})")
    if errcode in BUSY_ERRCODES:
        raise ProviderUnavailable(f"WeChat is busy ({errcode}); try again")
    if errcode or response.status_code != 200 or not body.get("openid"):
        raise ProviderError(f"WeChat answered with error {errcode}: {body.get('errmsg', '')}".strip())
    return WechatIdentity(openid=body["openid"], unionid=body.get("unionid"))
