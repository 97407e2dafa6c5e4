"""Group-buy integration fixtures: the shop's localstripe tenant and client, and the event spy."""

from tests.integration.shop.conftest import published, stripe_api, stripe_client, stripe_tenant  # noqa: F401
