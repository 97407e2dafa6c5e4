"""The `vouchers` settings section."""

import marshmallow as ma
from sqlalchemy.orm import Session

from tenants.settings.registry import register_section
from tenants.settings.service import section


class VoucherSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    # How long staff may take back a store redemption; 0: never.
    reverse_window_minutes = ma.fields.Integer(load_default=60, validate=ma.validate.Range(min=0, max=7 * 24 * 60))
    # Unknown codes one credential may try within 10 minutes before every lookup is refused.
    max_failed_lookups = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=10_000))


register_section("vouchers", VoucherSettings)


def voucher_rules(session: Session) -> dict:
    """The current tenant's `vouchers` section, defaults filled in."""
    return section(session, "vouchers")
