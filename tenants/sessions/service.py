"""Consumer login through an identity provider (`wechat`, or `dev` where the tenant enables it)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.tenancy import require_tenant_id
from tenants.auth import issue_session_token
from tenants.customers import service as customers
from tenants.sessions import hooks, wechat
from tenants.settings import service as settings


class ProviderDisabled(DomainError):
    status, reason = 403, "provider_disabled"
    message = "This login provider is not enabled for this tenant"


def log_in(session: Session, *, provider: str, code: str | None = None, openid: str | None = None,
           invite_code: str | None = None) -> dict:
    """Resolve the provider's identity to this tenant's customer and issue a session token."""
    if provider == "dev":
        if not settings.section(session, "auth")["dev_login_enabled"]:
            raise ProviderDisabled("Dev login is not enabled for this tenant")
        identity = wechat.WechatIdentity(openid=openid, unionid=None)
    else:
        config = settings.section(session, "wechat")
        if not (config.get("app_id") and config.get("app_secret")):
            raise ProviderDisabled("WeChat login is not configured for this tenant")
        identity = wechat.code2session(base_url=current_app.config["WECHAT_API_BASE"], app_id=config["app_id"],
                                       app_secret=config["app_secret"], code=code)
    customer = customers.find_or_create(session, openid=identity.openid, provider=provider,
                                        unionid=identity.unionid, invite_code=invite_code)
    token, expires_at = issue_session_token(tenant_id=require_tenant_id(), customer_id=customer.id)
    answer = {"token": token, "expires_at": expires_at, "customer": {"id": customer.id}}
    if invite_code is not None:  # "" too: a code nobody has, answered like any other (API.md)
        answer.update(hooks.run(session, customer=customer, created=customer.created_now, invite_code=invite_code))
    return answer
