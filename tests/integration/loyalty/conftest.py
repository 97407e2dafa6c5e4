import pytest

from core import events


@pytest.fixture
def stage_events(monkeypatch):
    """The CustomerStageChanged events published while the test runs, in order, seen by a handler subscribed
    for the test (with none, a publisher may skip computing them: loyalty/segments/service/order_events.py)."""
    seen = []
    handlers = events._handlers.get(events.CustomerStageChanged, [])
    monkeypatch.setitem(events._handlers, events.CustomerStageChanged,
                        [*handlers, lambda _session, event: seen.append(event)])
    return seen
