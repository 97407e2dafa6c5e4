import marshmallow as ma

from core.api import Schema, page_schema


class ExpiringPointsSchema(Schema):
    points = ma.fields.Integer()
    expires_at = ma.fields.DateTime()


class PointsSummarySchema(Schema):
    balance = ma.fields.Integer(metadata={"description": "Points spendable now"})
    pending = ma.fields.Integer(metadata={"description": "Points earned but not spendable yet"})
    held = ma.fields.Integer(metadata={"description": "Points spent on orders not paid yet"})
    debt = ma.fields.Integer(metadata={"description": "Points owed after a refund took back spent points; "
                                                     "later credits pay it first"})
    expiring_soon = ma.fields.List(ma.fields.Nested(ExpiringPointsSchema),
                                   metadata={"description": "What expires in the next 30 days, soonest first"})


class PointsEntrySchema(Schema):
    id = ma.fields.String()
    points = ma.fields.Integer(metadata={"description": "Positive in, negative out"})
    kind = ma.fields.String(metadata={"description": "earn, sign_in, referral, adjustment, spend, release, "
                                                     "return, reversal, exchange or expire"})
    order_id = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    available_at = ma.fields.DateTime(allow_none=True, metadata={"description": "A credit: pending until then"})
    expires_at = ma.fields.DateTime(allow_none=True, metadata={"description": "A credit: expires then"})
    created_at = ma.fields.DateTime()


PointsEntryPageSchema = page_schema(PointsEntrySchema)


class AdjustmentSchema(Schema):
    points = ma.fields.Integer(required=True, validate=[
        ma.validate.Range(min=-10_000_000, max=10_000_000),
        ma.validate.NoneOf([0], error="Must not be zero."),
    ])
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class LiabilitySchema(Schema):
    amount = ma.fields.Integer(metadata={"description": "Minor units"})
    currency = ma.fields.String()


class PointsReportSchema(Schema):
    issued = ma.fields.Integer(metadata={"description": "Earned, signed in for, and added by admins"})
    pending = ma.fields.Integer(metadata={"description": "Issued but not spendable yet"})
    spent = ma.fields.Integer(metadata={"description": "Spent on paid orders and rewards, less refunds' returns"})
    expired = ma.fields.Integer()
    reversed = ma.fields.Integer(metadata={"description": "Taken back by refunds and admins"})
    outstanding = ma.fields.Integer(metadata={"description": "Customers' points: available, pending and held "
                                                             "by unpaid orders"})
    available = ma.fields.Integer()
    held = ma.fields.Integer()
    debt = ma.fields.Integer(metadata={"description": "issued - spent - expired - reversed = outstanding - debt"})
    liability = ma.fields.Nested(LiabilitySchema, metadata={"description": "outstanding x point_value"})
