import pytest

from tests.support.stripe_connect import serving


@pytest.fixture
def connect(app):
    """Stripe Connect's transfers played by a local stand-in, which the app's Connect credentials point at (a
    worker process is given the same two settings in its environment)."""
    with serving(app) as stand_in:
        yield stand_in


@pytest.fixture
def connect_env(connect) -> dict:
    return {"STRIPE_CONNECT_SECRET_KEY": connect.secret_key, "STRIPE_CONNECT_API_BASE": connect.url}
