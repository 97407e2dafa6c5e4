"""Tenants' secrets are encrypted at rest, rotate with their keys, and appear in no response, log or table."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text, update

from core import crypto
from core.db import unit_of_work
from core.errors import ConfigurationError
from core.tenancy import tenant_scope
from shop.payments import config as payments_config
from tenants.platform.models import Tenant
from tenants.settings import service as settings
from tests.conftest import ENCRYPTION_KEYS

ROOT = Path(__file__).resolve().parents[3]
SECRETS = {"payments": {"stripe_secret_key": "sk_test_AtRest4242", "stripe_webhook_secret": "whsec_AtRest4242"},
           "wechat": {"app_id": "wx-at-rest", "app_secret": "WechatAtRest4242"}}
PLAINTEXTS = ("sk_test_AtRest4242", "whsec_AtRest4242", "WechatAtRest4242")


def stored_settings(tenant_id) -> str:
    with unit_of_work() as session:
        return session.scalar(text("SELECT settings::text FROM tenants WHERE id = :id"), {"id": tenant_id})


def secrets_in_use(tenant_id) -> tuple:
    with unit_of_work() as session, tenant_scope(tenant_id):
        return (payments_config.stripe_credentials(session).secret_key,
                payments_config.tenant_webhook_secret(session),
                settings.section(session, "wechat")["app_secret"])


@pytest.fixture
def keys():
    """Swap the process's encryption keys for a test; the suite's key comes back afterwards."""
    yield lambda *names: crypto.configure(list(names))
    crypto.configure(crypto.parse_keys(ENCRYPTION_KEYS))


def test_secrets_are_stored_encrypted_and_read_back_for_use(tenant):
    tenant.settings(SECRETS)

    stored = stored_settings(tenant.id)

    assert not any(plaintext in stored for plaintext in PLAINTEXTS)
    assert json.loads(stored)["payments"]["stripe_secret_key"].startswith("fernet:")
    assert json.loads(stored)["wechat"]["app_id"] == "wx-at-rest"  # only secrets are encrypted
    assert secrets_in_use(tenant.id) == PLAINTEXTS


def test_a_plaintext_secret_stored_before_encryption_still_works_and_is_encrypted_on_the_next_write(tenant):
    with unit_of_work() as session:  # as the first wave left them: plain text in the JSON
        session.execute(update(Tenant).where(Tenant.id == tenant.id).values(settings=SECRETS))

    assert secrets_in_use(tenant.id) == PLAINTEXTS
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["payments"]["stripe_secret_key_set"]

    tenant.settings({"orders": {"unpaid_timeout_minutes": 20}})  # any write seals every secret

    assert not any(plaintext in stored_settings(tenant.id) for plaintext in PLAINTEXTS)
    assert secrets_in_use(tenant.id) == PLAINTEXTS


def test_keys_rotate_old_ones_decrypt_until_the_rotate_command_moves_everything_to_the_new_one(app, tenant, keys):
    old, new = ENCRYPTION_KEYS, Fernet.generate_key().decode()
    tenant.settings(SECRETS)
    keys(new, old)  # the new key first: it encrypts from now on, the old one still decrypts

    assert secrets_in_use(tenant.id) == PLAINTEXTS

    result = app.test_cli_runner().invoke(args=["tenants", "rotate-secrets"])
    keys(new)  # the old key dropped

    assert result.exit_code == 0, result.output
    assert secrets_in_use(tenant.id) == PLAINTEXTS


def test_a_secret_no_configured_key_can_read_is_a_clear_error_not_a_wrong_value(tenant, keys):
    tenant.settings(SECRETS)
    keys(Fernet.generate_key().decode())

    with pytest.raises(crypto.SecretUnreadable):
        secrets_in_use(tenant.id)


def test_secrets_appear_in_no_response_and_no_log(tenant, caplog):
    caplog.set_level(logging.DEBUG)

    responses = [
        tenant.admin.patch("/v1/admin/settings", SECRETS, expect=200),
        tenant.admin.get("/v1/admin/settings", expect=200),
        tenant.admin.patch("/v1/admin/settings", {"payments": {"stripe_secret_key": "not-a-key-WechatAtRest4242"}},
                           expect=422),
        tenant.admin.patch("/v1/admin/settings", {"wechat": {"app_secret": "WechatAtRest4242" * 10}}, expect=422),
    ]
    secrets_in_use(tenant.id)

    bodies = "".join(response.get_data(as_text=True) for response in responses)
    assert not any(plaintext in bodies for plaintext in PLAINTEXTS)
    assert not any(plaintext in caplog.text for plaintext in PLAINTEXTS)


def start(database_url: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SECRET_KEY", "FISSION_ENCRYPTION_KEYS")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "current"], cwd=ROOT,
                          env={**environment, "DATABASE_URL": database_url, **env}, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FISSION_ENCRYPTION_KEYS"])
def test_outside_the_embedded_default_the_app_refuses_to_start_without_its_keys(database_url, missing):
    given = {"SECRET_KEY": "shared-secret", "FISSION_ENCRYPTION_KEYS": ENCRYPTION_KEYS}
    given.pop(missing)

    refused = start(database_url, **given)

    assert refused.returncode != 0
    assert "ConfigurationError" in refused.stderr and f"{missing} must be set" in refused.stderr


def test_the_app_factory_refuses_before_touching_anything(database_url):
    from app import create_app

    with pytest.raises(ConfigurationError, match="SECRET_KEY and FISSION_ENCRYPTION_KEYS must be set"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": None, "FISSION_ENCRYPTION_KEYS": None})


def test_the_embedded_default_generates_its_keys_once(tmp_path):
    started = start(f"sqlite:///{tmp_path / 'embedded.db'}")

    assert started.returncode == 0, started.stderr
    assert (ROOT / "instance" / "secret_key").exists() and (ROOT / "instance" / "encryption_key").exists()
