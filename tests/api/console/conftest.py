"""Console fixtures: a signed-in browser per role on a fresh tenant."""

from __future__ import annotations

import pytest

from tests.support.console import ConsoleBrowser


def signed_in(app, key: str, language: str = "zh-CN") -> ConsoleBrowser:
    browser = ConsoleBrowser(app, language)
    response = browser.sign_in(key)
    assert response.status_code == 303, response.get_data(as_text=True)
    return browser


@pytest.fixture
def admin_console(app, tenant) -> ConsoleBrowser:
    return signed_in(app, tenant.admin_key)


@pytest.fixture
def english_console(app, tenant) -> ConsoleBrowser:
    return signed_in(app, tenant.admin_key, language="en")


def new_key(tenant, role: str) -> str:
    return tenant.admin.post("/v1/admin/api-keys", {"role": role}, expect=201).get_json()["key"]
