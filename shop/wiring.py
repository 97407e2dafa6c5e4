"""What the shop contributes to the app: its blueprints and its event subscriptions."""


def blueprints() -> list:
    import shop.settings  # noqa: F401 - registers the orders and payments sections

    return []


def wire() -> None:
    """Subscribe shop handlers to events (none yet)."""
