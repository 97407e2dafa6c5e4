"""Browser tests: Playwright drives Debian's Chromium, headless, against the app served by gunicorn on the test
PostgreSQL database, with a real RQ worker beside it. One gunicorn, one worker and one browser serve all the
browser tests; each test opens its own browser context (its own cookies). They are package-scoped, not
session-scoped: the worker's outbox relay hands on any due job of the test database, so it must be gone before
other tests start workers of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.conftest import ENCRYPTION_KEYS, REDIS_URL
from tests.support.factories import PLATFORM_TOKEN
from tests.support.processes import ROOT, WorkerProcess, free_port, wait_for_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def served_env(database_url) -> dict:
    """What gunicorn and the worker share: the test database, a queue of their own on the test Redis."""
    return {
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "FISSION_JOBS_MODE": "rq",
        "FISSION_QUEUE": f"fission-browser-{uuid.uuid4().hex[:8]}", "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN,
        "SECRET_KEY": "test-secret-key", "FISSION_ENCRYPTION_KEYS": ENCRYPTION_KEYS, "LOG_LEVEL": "WARNING",
        "STRIPE_SECRET_KEY": "",
        # The worker runs what these tests' requests enqueue; fanning periodic work out to every tenant the
        # session has made would only keep it from them.
        "FISSION_SCHEDULER": "off",
    }


def _wait_until_serving(url: str, process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="package")
def gunicorn(served_env):
    """The app as production serves it: gunicorn with two sync workers, on a free local port."""
    port = free_port()
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn_bin), "-c", "gunicorn.conf.py"], cwd=ROOT,
                               env={**os.environ, **served_env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, timeout=30)
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz", process)  # the master listens before apps load
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"gunicorn did not start: {process.communicate()[1][-2000:]}") from None
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture(scope="package")
def worker(served_env):
    """A real `flask worker` (outbox relay, scheduler, RQ) for the jobs gunicorn's requests enqueue."""
    process = WorkerProcess(served_env).start()
    yield process
    process.stop()


@pytest.fixture(scope="package")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(gunicorn, worker):
    return gunicorn


@pytest.fixture
def page(chromium, site):
    """A fresh browser context (no cookies) whose relative URLs go to the served app, in Chinese."""
    context = chromium.new_context(base_url=site, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()
