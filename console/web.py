"""The console's blueprint and what every page shares: who is signed in, CSRF, roles, errors, rendering.

Every request under /console resolves its session cookie (server-side, console/sessions), which sets
the request's principal and tenant scope exactly as a secret key in an Authorization header would;
signed out, any page but the sign-in page answers 303 to it. Every POST passes the CSRF check first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, Response, g, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from console import access, csrf, formatting, i18n, navigation, stale, texts
from console.forms import FormErrors, field_errors
from console.sessions import service as console_sessions
from core.db import unit_of_work
from core.errors import DEFAULT_REASONS, DomainError, Forbidden
from core.tenancy import reset_request_tenant, set_request_tenant

log = logging.getLogger("fission.console")

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
               static_url_path="/static")

COOKIE = "fission_console"
PUBLIC_ENDPOINTS = {"console.login", "console.set_language", "console.static"}


# --- who is signed in ------------------------------------------------------------------------------------

@bp.before_request
def _sign_in_from_cookie():
    g.console = None
    if request.endpoint == "console.static":
        return None  # stylesheets and scripts need no session (and no database round trip)
    with unit_of_work() as session:
        signed_in = console_sessions.resolve(session, token=request.cookies.get(COOKIE))
    if signed_in is not None:
        g.console = signed_in
        g.principal = signed_in.principal
        g.principal_id = signed_in.principal.id
        earlier = g.pop("tenant_token", None)  # a stray Authorization header does not speak for the console
        if earlier is not None:
            reset_request_tenant(earlier)
        g.tenant_token = set_request_tenant(signed_in.principal.tenant_id)  # reset by tenants.auth's teardown
    elif request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("console.login", next=_here()), 303)
    csrf.protect()


@bp.after_request
def _finish(response: Response) -> Response:
    csrf.set_nonce_cookie(response)
    resolved = request.endpoint != "console.static"  # static files never looked at the session
    if resolved and request.cookies.get(COOKIE) and g.get("console") is None and not g.get("cookie_set"):
        response.delete_cookie(COOKIE, path="/console")  # a dead session's cookie goes too
    # Pages show customers' data: never cached, never framed.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return response


def _here() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure, path="/console",
                        max_age=int(console_sessions.LIFETIME.total_seconds()))
    g.cookie_set = True


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="Strict")
    g.cookie_set = True


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path of ours, never another site."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.dashboard")


# --- roles ---------------------------------------------------------------------------------------------

def role() -> str:
    return g.console.principal.role


def page(name: str):
    """The view is console page `name`: its role may read it to GET, and write it to POST (else 403)."""

    def decorator(view: Callable):
        @wraps(view)
        def wrapper(*args, **kwargs):
            allowed = access.may_write if request.method == "POST" else access.may_read
            if not allowed(role(), name):
                raise Forbidden(f"The {role()} role may not use this page")
            g.console_page = name
            return view(*args, **kwargs)

        return wrapper

    return decorator


def may(name: str, what: str = "write") -> bool:
    """May the signed-in clerk read or write page `name`? (templates hide what a role may not do)"""
    return g.get("console") is not None and (access.may_write if what == "write" else access.may_read)(role(), name)


# --- rendering -----------------------------------------------------------------------------------------

def money(amount: int | None) -> str:
    return formatting.money(amount, g.console.currency if g.get("console") else "CNY")


@bp.app_context_processor
def _context() -> dict:
    if request.blueprint != "console":
        return {}
    signed_in = g.get("console")
    return {
        "signed_in": signed_in,
        "nav": navigation.for_role(signed_in.principal.role) if signed_in else [],
        "current_page": g.get("console_page"),
        "csrf_token": csrf.token,
        "version_field": stale.FIELD,
        "language": i18n.current_language(),
        "languages": list(i18n.LANGUAGES),
        "may": may,
        "here": _here(),
        "money": money,
        "yuan": lambda amount: "" if amount is None else formatting.major_units(amount, signed_in.currency),
        "number": formatting.number,
        "when": lambda moment: formatting.local_time(moment, signed_in.timezone if signed_in else "UTC"),
        "day": lambda moment: formatting.local_date(moment, signed_in.timezone if signed_in else "UTC"),
        "entered": entered,
        "ticked": ticked,
        "role_names": texts.ROLES,
        "refusal_title": texts.refusal_title,
        "texts": texts,
        "notice_key": request.args.get("notice") if request.args.get("notice") in texts.NOTICES else None,
        "notice": texts.NOTICES.get(request.args.get("notice", "")),
        "query_with": query_with,
    }


def entered(name: str, default="") -> str:
    """A field's value: what was just submitted (re-shown with its errors), else the record's."""
    if request.method == "POST" and g.get("keep_submitted", True) and name in request.form:
        return request.form[name]
    return "" if default is None else default


def ticked(name: str, default: bool) -> bool:
    """A checkbox's state: as just submitted (its hidden "off" plus "on" if ticked), else the record's."""
    if request.method == "POST" and g.get("keep_submitted", True) and name in request.form:
        return "on" in request.form.getlist(name)
    return default


def query_with(**changes) -> str:
    """This page's URL with some query arguments changed (None drops one)."""
    args = {key: value for key, value in request.args.items() if key not in changes}
    args.update({key: value for key, value in changes.items() if value is not None})
    return request.path + ("?" + urlencode(args) if args else "")


def render(template: str, http_status: int = 200, /, **context) -> Response:
    """A console page; its context may name anything (`status` too: a list's filter)."""
    return make_response(render_template(template, **context), http_status)


def submitted(write: Callable[[], str], *, again: Callable[..., Response]) -> Response:
    """Run a form's write and go where it says (303); if it is refused, show the page again with the refusal
    (its `data-reason`) and the field errors, with the refusal's status. A stale form shows the record as
    it is now; any other refusal keeps what the clerk typed."""
    try:
        return redirect(write(), 303)
    except FormErrors as error:
        return again(errors=error.fields, refusal=error, status=422)
    except stale.StaleForm as error:
        g.keep_submitted = False
        return again(errors={}, refusal=error, status=error.status)
    except DomainError as error:
        if error.status == 404:
            raise
        return again(errors=field_errors(error.errors or {}), refusal=error, status=error.status)


def done(endpoint: str, notice: str, **values) -> str:
    """Where a successful write goes: the page again, saying what happened."""
    return url_for(endpoint, notice=notice, **values)


# --- errors as pages -----------------------------------------------------------------------------------

@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    return render("console/error.html", error.status, code=error.status, reason=error.reason, message=error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return render("console/error.html", status, code=status, reason=DEFAULT_REASONS.get(status, "error"),
                  message=error.description)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return _http_error(InternalServerError())
