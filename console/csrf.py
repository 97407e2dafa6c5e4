"""CSRF protection for every console form.

Signed in, a form's token is an HMAC of the server-side session's id under the app's secret key: another
site can neither read it (same-origin policy) nor compute it. Before signing in (the login and language
forms) it is an HMAC of a random nonce kept in a strict cookie of its own, so a login cannot be forged
either. A POST must also come from our own origin when the browser says where it comes from. The session
cookie is SameSite=Strict besides; the token is what holds when a browser does not honour that.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import current_app, g, request

from core.errors import DomainError
from core.ids import random_token

FIELD = "csrf_token"
NONCE_COOKIE = "fission_console_nonce"


class CsrfFailed(DomainError):
    status, reason = 400, "csrf_failed"
    message = "This form has expired or did not come from the console; reload the page and try again"


def _mac(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"console-csrf:" + value.encode(), hashlib.sha256).hexdigest()


def _anonymous_nonce() -> str:
    """The pre-sign-in nonce of this browser, minted (and set as a cookie after the response) if missing."""
    nonce = request.cookies.get(NONCE_COOKIE) or g.get("new_csrf_nonce")
    if not nonce:
        nonce = g.new_csrf_nonce = random_token(24)
    return nonce


def token() -> str:
    """The token the forms of this page carry."""
    signed_in = g.get("console")
    return _mac("session:" + signed_in.session_id) if signed_in else _mac("anonymous:" + _anonymous_nonce())


def _same_origin() -> bool:
    ours = urlsplit(request.host_url)
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if claimed is None:
        return True  # the browser did not say: the token decides
    theirs = urlsplit(claimed)  # an opaque origin ("null") has no host and is foreign
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


def protect() -> None:
    """Refuse a state-changing request without a valid token, or from another origin (400 csrf_failed)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.form.get(FIELD, "")
    signed_in = g.get("console")
    if signed_in:
        expected = _mac("session:" + signed_in.session_id)
    else:
        nonce = request.cookies.get(NONCE_COOKIE)
        expected = _mac("anonymous:" + nonce) if nonce else None
    if not _same_origin() or expected is None or not hmac.compare_digest(submitted, expected):
        raise CsrfFailed()


def set_nonce_cookie(response):
    """After a response that minted a pre-sign-in nonce, hand it to the browser."""
    nonce = g.pop("new_csrf_nonce", None)
    if nonce:
        response.set_cookie(NONCE_COOKIE, nonce, httponly=True, samesite="Strict", secure=request.is_secure,
                            path="/console")
    return response
