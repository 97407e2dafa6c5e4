"""Fault injection for tests that kill a real process at a chosen point (never set in production).

`FISSION_TEST_KILL_AT=<point>` makes the process SIGKILL itself the first time it reaches `<point>`
(`FISSION_TEST_KILL_MARKER`, a file path, makes that once across processes: the marker is created
just before dying). Points are named where a crash matters: right after a commit that moved money.
"""

from __future__ import annotations

import os
import signal


def reached(point: str) -> None:
    """A named point of the code; a no-op unless a test asked to die here."""
    if os.environ.get("FISSION_TEST_KILL_AT") != point:
        return
    marker = os.environ.get("FISSION_TEST_KILL_MARKER")
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # already died here once
    os.kill(os.getpid(), signal.SIGKILL)
