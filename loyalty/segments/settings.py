"""The `lifecycle` and `campaigns` settings sections."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy.orm import Session

from loyalty.segments.rules import Thresholds
from tenants.settings.registry import register_section
from tenants.settings.service import section


class LifecycleSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    dormant_days = ma.fields.Integer(load_default=60, validate=ma.validate.Range(min=1, max=3650))
    churned_days = ma.fields.Integer(load_default=180, validate=ma.validate.Range(min=2, max=3650))
    loyal_orders = ma.fields.Integer(load_default=3, validate=ma.validate.Range(min=1, max=10_000))
    loyal_window_days = ma.fields.Integer(load_default=180, validate=ma.validate.Range(min=1, max=3650))

    @ma.validates_schema
    def _dormant_before_churned(self, data, **_kwargs):
        if data["dormant_days"] >= data["churned_days"]:
            raise ma.ValidationError("Must be more than dormant_days.", "churned_days")


class CampaignsSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    max_grants_per_customer = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1000))
    cap_days = ma.fields.Integer(load_default=7, validate=ma.validate.Range(min=1, max=365))


register_section("lifecycle", LifecycleSettings)
register_section("campaigns", CampaignsSettings)


def thresholds(session: Session) -> Thresholds:
    """The current tenant's lifecycle thresholds."""
    return Thresholds(**section(session, "lifecycle"))


def frequency_cap(session: Session) -> dict:
    """The current tenant's `campaigns` section: `max_grants_per_customer` in `cap_days`."""
    return section(session, "campaigns")
