"""Build test data through the API, the way its users would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tests.support.http import Caller

PLATFORM_TOKEN = "platform-test-token"


@dataclass
class TenantHandle:
    """A fresh tenant and callers for each of its credentials."""

    id: str
    slug: str
    publishable_key: str
    admin_key: str
    client: object

    @property
    def admin(self) -> Caller:
        return Caller(self.client, self.admin_key)

    @property
    def storefront(self) -> Caller:
        return Caller(self.client, self.publishable_key)

    def key(self, role: str) -> Caller:
        created = self.admin.post("/v1/admin/api-keys", {"role": role}, expect=201).get_json()
        return Caller(self.client, created["key"])

    def settings(self, patch: dict) -> dict:
        return self.admin.patch("/v1/admin/settings", patch, expect=200).get_json()

    def enable_dev_login(self) -> None:
        self.settings({"auth": {"dev_login_enabled": True}})

    def consumer(self, openid: str | None = None) -> Caller:
        """A logged-in consumer (dev provider, enabled on first use)."""
        self.enable_dev_login()
        body = {"provider": "dev", "openid": openid or f"openid-{uuid.uuid4().hex[:12]}"}
        session = self.storefront.post("/v1/storefront/sessions", body, expect=201).get_json()
        caller = Caller(self.client, session["token"])
        caller.customer_id = session["customer"]["id"]
        return caller


def create_tenant(client, *, currency: str = "CNY", timezone: str = "Asia/Shanghai") -> TenantHandle:
    slug = f"t-{uuid.uuid4().hex[:12]}"
    platform = Caller(client, PLATFORM_TOKEN)
    body = platform.post("/v1/platform/tenants", {"name": f"Shop {slug}", "slug": slug, "currency": currency,
                                                  "timezone": timezone}, expect=201).get_json()
    return TenantHandle(body["id"], slug, body["publishable_key"], body["admin_key"], client)
