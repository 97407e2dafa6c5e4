"""The `loyalty` settings section."""

from decimal import Decimal

import marshmallow as ma
from sqlalchemy.orm import Session

from core.tenancy import require_tenant_id
from tenants.platform.cache import tenant_cache
from tenants.settings.registry import register_section
from tenants.settings.service import section


class PointsExpirySettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(["days", "month_end", "year_end", "never"]))
    days = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=3650))

    @ma.validates_schema
    def _days_when_mode_is_days(self, data, **_kwargs):
        if data["mode"] == "days" and not data.get("days"):
            raise ma.ValidationError("Required when mode is 'days'.", "days")


class LoyaltySettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    points_per_currency_unit = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=0, max=10_000))
    earn_min_order_amount = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0))
    points_pending_days = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=365))
    points_expiry = ma.fields.Nested(PointsExpirySettings, load_default=lambda: {"mode": "never", "days": None})
    point_value = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    max_points_ratio = ma.fields.Decimal(
        load_default=Decimal("0.5"), as_string=True, places=None,
        validate=ma.validate.Range(min=Decimal("0"), max=Decimal("1")),
    )
    sign_in_points = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=0, max=1_000_000)),
        load_default=lambda: [1, 1, 2, 2, 3, 3, 5],
        validate=ma.validate.Length(min=1, max=31),
    )


register_section("loyalty", LoyaltySettings)


def loyalty_rules(session: Session) -> dict:
    """The current tenant's `loyalty` section (defaults filled in) with its timezone and currency, read once
    per unit of work: crediting a thousand orders in one transaction reads the settings once, not 3,000 times."""
    tenant_id = require_tenant_id()
    cache = session.info.setdefault("loyalty_rules", {})
    if tenant_id not in cache:
        tenant = tenant_cache.get(tenant_id, session=session)
        cache[tenant_id] = {**section(session, "loyalty"), "timezone": tenant.timezone, "currency": tenant.currency}
    return cache[tenant_id]
