"""Every in-process benchmark still runs, on a tiny data set, and prints its figures.

The benchmarks are scripts nothing else runs: three of them had stopped working (the app came to require its
secrets, the tenancy hook a tenant for bulk seeding, a result type they share new fields) and nobody saw it until
a figure was wanted. Sizes here are the smallest each accepts; nothing is timed (figures are the scripts' business,
not the tests'). The HTTP benchmarks (checkout.py, vouchers.py) drive gunicorn for whole measuring windows and
are left to be run by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import databases

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

# (script, its arguments, a line it prints once its figures are in)
SCRIPTS = [
    ("points.py", ["--tenants", "2", "--lots", "2000", "--orders", "200", "--one-by-one", "10"],
     "credit paid orders: one OrderPaid event per transaction"),
    ("segments.py", ["--tenants", "2", "--customers", "2000"], "the daily refresh takes"),
    ("settlement.py", ["--tenants", "2", "--commissions", "4000", "--distributors", "5"],
     "real job / plain UPDATE throughput"),
    ("finance_csv.py", ["--entries", "20000", "--distributors", "50"], "API / COPY throughput"),
    ("profile_checkout.py", ["--scenario", "all", "--orders", "5", "--top", "5"], "== keyed =="),
]


@pytest.mark.parametrize(("script", "arguments", "printed"), SCRIPTS, ids=[script for script, *_ in SCRIPTS])
def test_the_benchmark_runs_and_prints_its_figures(script, arguments, printed):
    admin = [] if script == "profile_checkout.py" else ["--admin-url", databases.ADMIN_URL]
    env = {**os.environ, "BENCH_POSTGRES_ADMIN_URL": databases.ADMIN_URL, "BENCH_REDIS_URL": REDIS_URL}
    run = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments, *admin], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)

    assert run.returncode == 0, run.stderr[-3000:]
    assert printed in run.stdout, run.stdout[-3000:]
