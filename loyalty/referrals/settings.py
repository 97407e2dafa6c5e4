"""The `referrals` settings section."""

import marshmallow as ma
from sqlalchemy.orm import Session

from tenants.settings.registry import register_section
from tenants.settings.service import section

_TEMPLATE_ID = ma.validate.Regexp(r"^cpt_[0-9A-Za-z]{1,36}$", error="A coupon template id (cpt_…).")


class ReferralsSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    enabled = ma.fields.Boolean(load_default=False)
    inviter_points = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=1_000_000))
    invitee_points = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=1_000_000))
    inviter_coupon_template_id = ma.fields.String(load_default=None, allow_none=True, validate=_TEMPLATE_ID)
    invitee_coupon_template_id = ma.fields.String(load_default=None, allow_none=True, validate=_TEMPLATE_ID)
    qualify_on = ma.fields.String(load_default="first_order_final",
                                  validate=ma.validate.OneOf(["first_order_paid", "first_order_final"]))
    # Qualifications per local day of the tenant past which the inviter is no longer rewarded; None: no cap.
    inviter_daily_cap = ma.fields.Integer(load_default=None, allow_none=True,
                                          validate=ma.validate.Range(min=0, max=100_000))


register_section("referrals", ReferralsSettings)


def referral_rules(session: Session) -> dict:
    """The current tenant's `referrals` section, defaults filled in."""
    return section(session, "referrals")
