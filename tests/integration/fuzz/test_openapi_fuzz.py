"""Schemathesis over the whole OpenAPI document, once per role, against the app served over real HTTP on
PostgreSQL: no 5xx, every status documented, every body as documented, every error the contract's body.

Routes are read from /openapi.json, so a route added later is fuzzed with no change here. Each role runs
a bounded number of examples per route (MAX_EXAMPLES); a failure prints schemathesis' report with a curl
line to reproduce it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factories import PLATFORM_TOKEN
from tests.support.processes import ROOT

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 8
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "missing_required_header", "unsupported_method",
    "error_body_follows_the_contract",
])
ROLES = ("admin", "finance", "staff", "publishable", "consumer", "platform", "anonymous")


@pytest.fixture(scope="module")
def fuzzed_app(app, localstripe):
    """The app with every outside service pointed at this machine: a Stripe key set by fuzzing reaches
    localstripe, a WeChat login reaches a closed local port, never the internet."""
    saved = {key: app.config[key] for key in ("STRIPE_API_BASE", "WECHAT_API_BASE")}
    app.config.update(STRIPE_API_BASE=localstripe.url, WECHAT_API_BASE="http://127.0.0.1:9")
    yield app
    app.config.update(saved)


@pytest.fixture(scope="module")
def server(fuzzed_app):
    from tests.support.processes import LiveServer

    live = LiveServer(fuzzed_app).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def credentials(fuzzed_app, server):
    from tests.support.factories import create_tenant
    from tests.support.world import populate

    tenant = create_tenant(fuzzed_app.test_client())
    world = populate(tenant)
    return {"admin": tenant.admin_key, "finance": tenant.key("finance").credential,
            "staff": tenant.key("staff").credential, "publishable": tenant.publishable_key,
            "consumer": world.consumer.credential, "platform": PLATFORM_TOKEN, "anonymous": None}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_as_documented(role, server, credentials, tmp_path):
    executable = Path(sys.executable).with_name("schemathesis")
    command = [str(executable), "run", f"{server.url}/openapi.json", "--max-examples", str(MAX_EXAMPLES),
               "--phases", "examples,coverage,fuzzing", "--checks", CHECKS, "--no-color",
               "--suppress-health-check", "all", "--seed", "1",
               # Generating 100,000 voucher codes, the most one request may ask for, takes several seconds
               # and more beside the other test process: the default 10 s ran out once with two fuzzing workers.
               "--request-timeout", "60"]
    if credentials[role]:
        command += ["-H", f"Authorization: Bearer {credentials[role]}"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.fuzz.hooks",
                                 "PYTHONPATH": str(ROOT)})

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-2000:]
