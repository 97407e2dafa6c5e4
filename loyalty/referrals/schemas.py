
import marshmallow as ma

from core.api import PageArgsSchema, Schema, page_schema


class ReferralSchema(Schema):
    id = ma.fields.String()
    invitee_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["pending", "qualified", "capped"]})
    created_at = ma.fields.DateTime()
    qualified_at = ma.fields.DateTime(allow_none=True, metadata={"description": "Null while pending"})


ReferralPageSchema = page_schema(ReferralSchema)


class ReferralRewardSchema(Schema):
    side = ma.fields.String(metadata={"enum": ["inviter", "invitee"]})
    kind = ma.fields.String(metadata={"enum": ["points", "coupon"]})
    customer_id = ma.fields.String()
    points = ma.fields.Integer()
    coupon_template_id = ma.fields.String(allow_none=True)
    coupon_id = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={
        "enum": ["issued", "sold_out", "limit_reached", "expired", "template_missing"],
        "description": "What came of it: a coupon the template could no longer give is recorded, not retried"})
    created_at = ma.fields.DateTime()


class AdminReferralSchema(ReferralSchema):
    inviter_id = ma.fields.String()
    first_ordered_at = ma.fields.DateTime(allow_none=True)
    first_paid_at = ma.fields.DateTime(allow_none=True)
    qualified_on = ma.fields.String(allow_none=True, metadata={"enum": ["first_order_paid", "first_order_final"]})
    qualifying_order_id = ma.fields.String(allow_none=True)
    rewarded_at = ma.fields.DateTime(allow_none=True)
    rewards = ma.fields.List(ma.fields.Nested(ReferralRewardSchema))


AdminReferralPageSchema = page_schema(AdminReferralSchema)


class AdminReferralArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["pending", "qualified", "capped"]))
    inviter_id = ma.fields.String(load_default=None)


class ReferralSummarySchema(Schema):
    invited = ma.fields.Integer()
    qualified = ma.fields.Integer(metadata={"description": "Qualified and not capped"})
    capped = ma.fields.Integer(metadata={"description": "Qualified past the daily cap: the invitee alone rewarded"})
    points_earned = ma.fields.Integer(metadata={"description": "Points this inviter was credited for referrals"})


class TopInviterSchema(Schema):
    customer_id = ma.fields.String()
    invited = ma.fields.Integer()
    qualified = ma.fields.Integer()


class ReferralReportSchema(Schema):
    invited = ma.fields.Integer()
    ordered = ma.fields.Integer(metadata={"description": "Invitees with at least one order placed"})
    paid = ma.fields.Integer(metadata={"description": "Invitees with at least one order paid"})
    qualified = ma.fields.Integer()
    capped = ma.fields.Integer()
    points_cost = ma.fields.Integer(metadata={"description": "Points credited to both sides"})
    coupons_issued = ma.fields.Integer(metadata={"description": "Coupons issued to both sides"})
    top_inviters = ma.fields.List(ma.fields.Nested(TopInviterSchema))
