"""What loyalty contributes to the app: its blueprints and its event subscriptions."""


def blueprints() -> list:
    import loyalty.settings  # noqa: F401 - registers the loyalty section

    return []


def wire() -> None:
    """Subscribe loyalty handlers to order events (none yet)."""
