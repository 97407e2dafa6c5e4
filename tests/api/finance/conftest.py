import pytest

from tests.support.stripe_connect import serving


@pytest.fixture
def connect(app):
    """Stripe Connect's transfers played by a local stand-in, which the app's Connect credentials point at."""
    with serving(app) as stand_in:
        yield stand_in
