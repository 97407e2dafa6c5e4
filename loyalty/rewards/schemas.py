import marshmallow as ma

from core.api import Schema, page_schema
from loyalty.coupons.schemas import CouponSchema, CouponTemplateSchema
from loyalty.vouchers.schemas import CustomerVoucherSchema, PoolBriefSchema


class RewardCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    points_cost = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000_000))
    coupon_template_id = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40),
                                          metadata={"description": "The coupon it issues (or voucher_pool_id)"})
    voucher_pool_id = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40),
                                       metadata={"description": "The issue pool it hands a code of (or "
                                                                "coupon_template_id)"})
    stock = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=0),
                              metadata={"description": "Units to exchange; absent: unlimited"})
    per_customer_limit = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                           metadata={"description": "Absent: unlimited"})

    @ma.validates_schema
    def _one_prize(self, data, **_kwargs):
        if (data["coupon_template_id"] is None) == (data["voucher_pool_id"] is None):
            raise ma.ValidationError("Give a coupon_template_id or a voucher_pool_id, one of them.",
                                     "coupon_template_id")


class RewardSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    points_cost = ma.fields.Integer()
    coupon_template_id = ma.fields.String(allow_none=True)
    coupon_template = ma.fields.Nested(CouponTemplateSchema, allow_none=True,
                                       metadata={"description": "The coupon it issues"})
    voucher_pool_id = ma.fields.String(allow_none=True)
    voucher_pool = ma.fields.Nested(PoolBriefSchema, allow_none=True,
                                    metadata={"description": "The pool it hands a code of"})
    stock = ma.fields.Integer(allow_none=True, metadata={"description": "Units left; null: unlimited"})
    per_customer_limit = ma.fields.Integer(allow_none=True)
    exchanged_count = ma.fields.Integer()
    created_at = ma.fields.DateTime()


RewardPageSchema = page_schema(RewardSchema)


class ExchangeSchema(Schema):
    id = ma.fields.String()
    reward_id = ma.fields.String()
    coupon = ma.fields.Nested(CouponSchema, allow_none=True)
    voucher = ma.fields.Nested(CustomerVoucherSchema, allow_none=True)
    points_spent = ma.fields.Integer()
    created_at = ma.fields.DateTime()
