import pytest

from tests.support.stripe_connect import SECRET_KEY, ConnectStandIn

_CONFIG = ("STRIPE_CONNECT_SECRET_KEY", "STRIPE_CONNECT_API_BASE")


@pytest.fixture
def connect(app):
    """Stripe Connect's transfers played by a local stand-in, which the app's Connect credentials point at."""
    stand_in = ConnectStandIn().start()
    saved = {name: app.config.get(name) for name in _CONFIG}
    app.config.update(STRIPE_CONNECT_SECRET_KEY=SECRET_KEY, STRIPE_CONNECT_API_BASE=stand_in.url)
    yield stand_in
    app.config.update(saved)
    stand_in.stop()
