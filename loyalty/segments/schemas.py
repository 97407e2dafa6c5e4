import marshmallow as ma

from core.api import Schema, page_schema
from tenants.customers.schemas import CustomerLifecycleSchema, RfmSchema  # noqa: F401 - the shape segments fills

_RULE = {"description": 'A rule: {"all": [...]} or {"any": [...]} of conditions {field, op, value} and groups. '
                        "Errors are keyed by the bad part's path, e.g. rule.all.1.op.",
         "type": "object"}


class RefreshSchema(Schema):
    status = ma.fields.String(metadata={"description": "queued: a job refreshes every stage, score and rule tag"})


class TagCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    rule = ma.fields.Raw(load_default=None, allow_none=True, metadata=_RULE)


class TagSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": ["manual", "rule"]})
    rule = ma.fields.Raw(allow_none=True, metadata=_RULE)
    customer_count = ma.fields.Integer()
    refreshed_at = ma.fields.DateTime(allow_none=True, metadata={"description": "When a rule tag was last computed"})
    created_at = ma.fields.DateTime()


TagPageSchema = page_schema(TagSchema)


class TagCustomersSchema(Schema):
    customer_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), required=True,
                                  validate=ma.validate.Length(min=1, max=1000))


class TagAddedSchema(Schema):
    added = ma.fields.Integer(metadata={"description": "Customers who were not in the tag before"})


class SegmentCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    rule = ma.fields.Raw(required=True, metadata=_RULE)


class SegmentSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    rule = ma.fields.Raw(metadata=_RULE)
    created_at = ma.fields.DateTime()


SegmentPageSchema = page_schema(SegmentSchema)


class PreviewSchema(Schema):
    count = ma.fields.Integer()
    sample = ma.fields.List(ma.fields.String(), metadata={"description": "Ids of up to 20 members, newest first"})


class ActionSchema(Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["grant_coupon", "grant_points"]))
    coupon_template_id = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    points = ma.fields.Integer(validate=ma.validate.Range(min=1, max=1_000_000))

    @ma.validates_schema
    def _fits_the_kind(self, data, **_kwargs):
        needed, refused = (("coupon_template_id", "points") if data.get("kind") == "grant_coupon"
                           else ("points", "coupon_template_id"))
        if data.get(needed) is None:
            raise ma.ValidationError(f"Required for {data.get('kind')}.", needed)
        if refused in data:
            raise ma.ValidationError(f"Not for {data.get('kind')}.", refused)


class CampaignCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    segment_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    action = ma.fields.Nested(ActionSchema, required=True)


class CampaignSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    segment_id = ma.fields.String()
    action = ma.fields.Method("_action", metadata={"type": "object",
                                                   "description": "{kind, coupon_template_id} or {kind, points}"})
    status = ma.fields.String(metadata={"enum": ["draft", "running", "completed"]})
    audience = ma.fields.Integer(allow_none=True, metadata={"description": "Members as of the launch"})
    granted = ma.fields.Integer()
    skipped_capped = ma.fields.Integer(metadata={"description": "Over the tenant's frequency cap"})
    skipped_limit = ma.fields.Integer(metadata={"description": "Refused by the coupon template's limits"})
    redeemed = ma.fields.Integer(metadata={"description": "The campaign's coupons used on paid orders"})
    orders = ma.fields.Integer(metadata={"description": "Those orders not refunded in full"})
    revenue = ma.fields.Integer(metadata={"description": "What those orders paid, net of refunds (minor units)"})
    created_at = ma.fields.DateTime()
    launched_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)

    def _action(self, campaign) -> dict:
        if campaign.action == "grant_coupon":
            return {"kind": campaign.action, "coupon_template_id": campaign.coupon_template_id}
        return {"kind": campaign.action, "points": campaign.points}


CampaignPageSchema = page_schema(CampaignSchema)


class MoneyEstimateSchema(Schema):
    amount = ma.fields.Integer(allow_none=True, metadata={"description": "Null for a percent coupon with no cap"})
    currency = ma.fields.String()


class DryRunSchema(Schema):
    audience = ma.fields.Integer(metadata={"description": "Members of the segment now"})
    capped = ma.fields.Integer(metadata={"description": "Of them, over the frequency cap"})
    eligible = ma.fields.Integer(metadata={"description": "Who would be granted: not capped, within the limits"})
    estimated_cost = ma.fields.Nested(MoneyEstimateSchema)
