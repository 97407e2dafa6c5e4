from tests.api.shop.conftest import published  # noqa: F401 - the event spy
