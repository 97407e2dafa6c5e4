"""Running a scenario on the embedded default (SQLite) in a process of its own (the database is per process):
the scenario module's `main(path)` builds the app with `embedded_app` and returns its findings; the test runs
the module with `run_embedded` and gets them back as one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core import migrate
from tests.support.processes import ROOT


def embedded_app(path: str):
    """The app on a migrated SQLite file, jobs run eagerly, as `flask run` serves it by default."""
    from app import create_app

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return create_app({"DATABASE_URL": url, "REDIS_URL": None, "FISSION_JOBS_MODE": "eager", "LOG_LEVEL": "WARNING",
                       "FISSION_PLATFORM_TOKEN": "platform-test-token", "SECRET_KEY": "embedded"})


def run_embedded(module: str, directory: Path) -> dict:
    """Run `python -m module DATABASE_FILE` and return the findings it printed last."""
    run = subprocess.run([sys.executable, "-m", module, str(directory / "embedded.db")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def print_findings(main) -> None:
    print(json.dumps(main(sys.argv[1])))
