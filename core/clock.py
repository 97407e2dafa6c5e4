"""The one clock the domain reads, so tests can move time instead of sleeping."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from core.db import utcnow

_offset = timedelta(0)


def now() -> datetime:
    """The current UTC time, shifted by any test travel."""
    return utcnow() + _offset


@contextmanager
def travel(delta: timedelta) -> Iterator[None]:
    """Tests only: pretend `delta` has passed for the block (process-wide)."""
    global _offset
    previous = _offset
    _offset = previous + delta
    try:
        yield
    finally:
        _offset = previous
