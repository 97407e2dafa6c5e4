import pytest

from core import events


@pytest.fixture
def published(monkeypatch):
    """Every order event published while the test runs, in order."""
    seen = []
    publish = events.publish

    def record(session, event):
        seen.append(event)
        publish(session, event)

    monkeypatch.setattr(events, "publish", record)
    return seen


def of_order(published: list, order_id: str, kind: type | None = None) -> list:
    # Not every event is an order's (a customer's stage changes with its orders, too).
    return [e for e in published if getattr(e, "order_id", None) == order_id and (kind is None or isinstance(e, kind))]
