"""Signing in with a tenant secret key, signing out, and picking a language."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from console import i18n
from console.sessions import service as console_sessions
from console.web import bp, clear_session_cookie, render, safe_next, set_session_cookie
from core.db import unit_of_work
from core.errors import Unauthenticated
from core.tenancy import tenant_scope
from tenants.auth import secret_key_principal


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render("console/login.html", next=safe_next(request.args.get("next")))
    try:
        principal = secret_key_principal(request.form.get("api_key", "").strip())
    except Unauthenticated as error:
        # Wrong, revoked or publishable: the same answer, so the form tells nothing about which.
        return render("console/login.html", 401, next=safe_next(request.form.get("next")), refusal=error)
    with unit_of_work() as session:
        if g.console is not None:  # signing in again ends the session this browser had
            with tenant_scope(g.console.principal.tenant_id):
                console_sessions.end(session, session_id=g.console.session_id)
        with tenant_scope(principal.tenant_id):
            token = console_sessions.start(session, key_id=principal.key_id)
    response = redirect(safe_next(request.form.get("next")), 303)
    set_session_cookie(response, token)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    with unit_of_work() as session:
        console_sessions.end(session, session_id=g.console.session_id)
    response = redirect(url_for("console.login"), 303)
    clear_session_cookie(response)
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    language = request.form.get("language")
    response = redirect(safe_next(request.form.get("next")) if g.console else
                        url_for("console.login", next=request.form.get("next")), 303)
    if language in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/console")
    return response
