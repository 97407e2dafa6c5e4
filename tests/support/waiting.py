"""Waiting on work other processes or threads do (RQ workers, a held transaction): poll, never sleep blind."""

from __future__ import annotations

import time

import psycopg


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


def lock_waiters(database_url: str, query_like: str = "%") -> list[int]:
    """The backends of this database waiting for a lock whose statement is LIKE `query_like`. Each look is a
    connection of its own: a transaction reads pg_stat_activity once, so a watcher that kept one would see the
    first look's answer again and again."""
    with psycopg.connect(database_url, autocommit=True) as watcher:
        return [pid for (pid,) in watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE %s", (query_like,))]
