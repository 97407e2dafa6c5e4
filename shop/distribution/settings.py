"""The `distribution` settings section, and the rules read from it once per unit of work."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from sqlalchemy.orm import Session

from core.tenancy import require_tenant_id
from tenants.settings.registry import register_section
from tenants.settings.service import section

_RATE = {"as_string": True, "places": None,
         "validate": ma.validate.Range(min=Decimal("0"), max=Decimal("1"))}


class DistributionSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    enabled = ma.fields.Boolean(load_default=False)
    who = ma.fields.String(load_default="approved",
                           validate=ma.validate.OneOf(["everyone", "approved", "spend_threshold"]))
    spend_threshold = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=10**12),
                                        metadata={"money": True})  # the console shows money in yuan
    binding = ma.fields.String(load_default="first_touch", validate=ma.validate.OneOf(["first_touch", "last_touch"]))
    binding_days = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=ma.validate.Range(min=1, max=3650))
    levels = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.OneOf([1, 2]))
    level1_rate = ma.fields.Decimal(load_default=Decimal("0.10"), **_RATE)
    level2_rate = ma.fields.Decimal(load_default=Decimal("0.05"), **_RATE)
    self_purchase = ma.fields.Boolean(load_default=False)
    # Read by finance (withdrawals): kept here because they are the distribution section's keys.
    min_withdrawal = ma.fields.Integer(load_default=100, strict=True, validate=ma.validate.Range(min=0, max=10**12),
                                       metadata={"money": True})
    withdrawal_fee_rate = ma.fields.Decimal(load_default=Decimal("0"), **_RATE)
    payout_method = ma.fields.String(load_default="manual", validate=ma.validate.OneOf(["manual", "stripe_connect"]))


register_section("distribution", DistributionSettings)


def distribution_rules(session: Session) -> dict:
    """The current tenant's `distribution` section, defaults filled in (cached by the settings service)."""
    require_tenant_id()
    return section(session, "distribution")
