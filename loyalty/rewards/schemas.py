import marshmallow as ma

from core.api import Schema, page_schema
from loyalty.coupons.schemas import CouponSchema, CouponTemplateSchema


class RewardCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    points_cost = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000_000))
    coupon_template_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    stock = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=0),
                              metadata={"description": "Units to exchange; absent: unlimited"})
    per_customer_limit = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                           metadata={"description": "Absent: unlimited"})


class RewardSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    points_cost = ma.fields.Integer()
    coupon_template_id = ma.fields.String()
    coupon_template = ma.fields.Nested(CouponTemplateSchema, metadata={"description": "The coupon it issues"})
    stock = ma.fields.Integer(allow_none=True, metadata={"description": "Units left; null: unlimited"})
    per_customer_limit = ma.fields.Integer(allow_none=True)
    exchanged_count = ma.fields.Integer()
    created_at = ma.fields.DateTime()


RewardPageSchema = page_schema(RewardSchema)


class ExchangeSchema(Schema):
    id = ma.fields.String()
    reward_id = ma.fields.String()
    coupon = ma.fields.Nested(CouponSchema)
    points_spent = ma.fields.Integer()
    created_at = ma.fields.DateTime()
