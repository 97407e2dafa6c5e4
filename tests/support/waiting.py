"""Waiting on work other processes or threads do (RQ workers, a held transaction): poll, never sleep blind."""

from __future__ import annotations

import time


def wait_until(condition, timeout: float = 30.0, every: float = 0.05):
    """Poll `condition()` until it returns something truthy, and return that; after `timeout` seconds, return
    what it returns then (falsy: the caller asserts, with what it wants said)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    return condition()
