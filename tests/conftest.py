"""Test fixtures. API and integration tests run on a fresh PostgreSQL database built by the migrations.

`TEST_DATABASE_URL` names an existing, migrated database to use instead (it is not dropped);
otherwise a throwaway one is created on `TEST_POSTGRES_ADMIN_URL` (default: local postgres).
`TEST_REDIS_URL` names the Redis database the integration tests may flush (default db 13).
"""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from tests.support import databases
from tests.support.factories import PLATFORM_TOKEN, TenantHandle, create_tenant
from tests.support.http import Caller

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# Tenants' secrets are encrypted at rest: the test app and every process it starts share one key.
ENCRYPTION_KEYS = Fernet.generate_key().decode()


def pytest_collection_modifyitems(items):
    """bin/test runs the tests in two processes (pytest-xdist, `--dist loadgroup`), each with its own database.
    The integration and browser tests all go to one of them, in turn: they start workers, servers and
    Chromium, share one Redis database that they flush, and time real waits, so two at once would only
    slow each other down. The API and unit tests, each on a tenant of its own, fill the other process."""
    for item in items:
        if item.get_closest_marker("integration") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("services"))


@pytest.fixture(scope="session")
def database_url():
    existing = os.environ.get("TEST_DATABASE_URL")
    if existing:
        yield existing
        return
    url = databases.create_database()
    from core import migrate

    migrate.upgrade(url)
    yield url
    from core.db import database

    if database.engine is not None:
        database.engine.dispose()
    databases.drop_database(url)


@pytest.fixture(scope="session")
def app(database_url):
    from app import create_app

    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": None,
            "FISSION_JOBS_MODE": "eager",
            "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN,
            "SECRET_KEY": "test-secret-key",
            "FISSION_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "STRIPE_SECRET_KEY": None,
            "STRIPE_WEBHOOK_SECRET": None,
            "STRIPE_API_BASE": None,
            "STRIPE_CONNECT_SECRET_KEY": None,
            "STRIPE_CONNECT_API_BASE": None,
            "LOG_LEVEL": "WARNING",
        }
    )
    yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def platform(client) -> Caller:
    return Caller(client, PLATFORM_TOKEN)


@pytest.fixture
def tenant(client) -> TenantHandle:
    """A fresh tenant per test: tests never see each other's data."""
    return create_tenant(client)


@pytest.fixture
def other_tenant(client) -> TenantHandle:
    return create_tenant(client)


@pytest.fixture
def anonymous(client) -> Caller:
    return Caller(client)
