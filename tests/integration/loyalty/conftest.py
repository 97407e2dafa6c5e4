import pytest

from core import events


@pytest.fixture
def stage_events(monkeypatch):
    """The CustomerStageChanged events published while the test runs, in order (they are still delivered)."""
    seen = []
    publish = events.publish

    def record(session, event):
        if isinstance(event, events.CustomerStageChanged):
            seen.append(event)
        publish(session, event)

    monkeypatch.setattr(events, "publish", record)
    return seen
