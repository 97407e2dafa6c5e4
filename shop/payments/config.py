"""Which payment provider serves a tenant, and with which Stripe credentials.

A tenant's own keys (settings section `payments`) win over the environment's (`STRIPE_SECRET_KEY`,
`STRIPE_WEBHOOK_SECRET`); `STRIPE_API_BASE` points the SDK elsewhere (localstripe). With no secret
key anywhere, orders use the offline provider.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from shop.payments.gateway import StripeCredentials
from tenants.settings import service as settings

_app: Flask | None = None


def remember_app(state) -> None:
    """Blueprint hook: keep the app, so jobs run from threads with no app context read its config."""
    global _app
    _app = state.app


def _config() -> dict:
    if has_app_context():
        return current_app.config
    return _app.config if _app is not None else {}


def stripe_credentials(session: Session) -> StripeCredentials | None:
    """The current tenant's Stripe credentials, or None when it takes payments offline."""
    secret_key = settings.section(session, "payments")["stripe_secret_key"] or _config().get("STRIPE_SECRET_KEY")
    if not secret_key:
        return None
    return StripeCredentials(secret_key=secret_key, api_base=_config().get("STRIPE_API_BASE"))


def connect_credentials(session: Session) -> StripeCredentials | None:
    """The Stripe credentials that pay the current tenant's distributors (Connect transfers), or None.

    The tenant's own key, else the platform's Connect key (`STRIPE_CONNECT_SECRET_KEY`: a shop may take payments
    offline and still pay distributors through Stripe), else its payments key; `STRIPE_CONNECT_API_BASE` points
    the transfers elsewhere (a local stand-in: localstripe has no Connect), else `STRIPE_API_BASE`.
    """
    config = _config()
    secret_key = (settings.section(session, "payments")["stripe_secret_key"] or config.get("STRIPE_CONNECT_SECRET_KEY")
                  or config.get("STRIPE_SECRET_KEY"))
    if not secret_key:
        return None
    return StripeCredentials(secret_key=secret_key,
                             api_base=config.get("STRIPE_CONNECT_API_BASE") or config.get("STRIPE_API_BASE"))


def environment_webhook_secret() -> str | None:
    return _config().get("STRIPE_WEBHOOK_SECRET")


def tenant_webhook_secret(session: Session) -> str | None:
    """The current tenant's own webhook secret, else the environment's."""
    return settings.section(session, "payments")["stripe_webhook_secret"] or environment_webhook_secret()
