import marshmallow as ma

from core.api import PageArgsSchema, Schema, page_schema

DISTRIBUTOR_STATUSES = ["none", "pending", "approved", "rejected", "suspended"]
COMMISSION_STATUSES = ["frozen", "settled", "cancelled"]


class ApplySchema(Schema):
    name = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=100))


class BalanceSchema(Schema):
    frozen = ma.fields.Integer(metadata={"description": "Earned, in its order's after-sales window"})
    available = ma.fields.Integer(metadata={"description": "Settled and withdrawable"})
    withdrawing = ma.fields.Integer(metadata={"description": "Requested for withdrawal, not yet paid (gross)"})
    withdrawn = ma.fields.Integer(metadata={"description": "Paid out (gross, fees included)"})


class TeamCountsSchema(Schema):
    level1 = ma.fields.Integer()
    level2 = ma.fields.Integer()


class DistributorSchema(Schema):
    id = ma.fields.String()
    customer_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": DISTRIBUTOR_STATUSES})
    name = ma.fields.String(allow_none=True)
    invite_code = ma.fields.String()
    source = ma.fields.String(metadata={"description": "application, everyone, spend or earner"})
    created_at = ma.fields.DateTime()
    approved_at = ma.fields.DateTime(allow_none=True)


class DistributorAccountSchema(DistributorSchema):
    balance = ma.fields.Nested(BalanceSchema)
    team = ma.fields.Nested(TeamCountsSchema)


class DistributorListArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(DISTRIBUTOR_STATUSES))


class BindSchema(Schema):
    invite_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class BindingSchema(Schema):
    distributor_id = ma.fields.String()
    bound_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)


class TeamMemberSchema(Schema):
    customer_id = ma.fields.String()
    level = ma.fields.Integer()
    bound_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)


class TeamArgsSchema(PageArgsSchema):
    level = ma.fields.Integer(load_default=1, validate=ma.validate.OneOf([1, 2]))


class CommissionSchema(Schema):
    id = ma.fields.String()
    order_id = ma.fields.String()
    line_id = ma.fields.String()
    distributor_id = ma.fields.String()
    level = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["sale", "group_leader"]})
    product_id = ma.fields.String()
    quantity = ma.fields.Integer()
    base = ma.fields.Integer(metadata={"description": "The line total the amount was computed on"})
    net = ma.fields.Integer(metadata={"description": "The line total less its refunds"})
    rate = ma.fields.String(allow_none=True)
    fixed_amount = ma.fields.Integer(allow_none=True, metadata={"description": "Per unit, when fixed"})
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={"enum": COMMISSION_STATUSES})
    created_at = ma.fields.DateTime()
    final_at = ma.fields.DateTime(allow_none=True)
    settled_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    settlement_id = ma.fields.String(allow_none=True)


class MyCommissionArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(COMMISSION_STATUSES))


class CommissionListArgsSchema(MyCommissionArgsSchema):
    distributor_id = ma.fields.String(load_default=None)
    order_id = ma.fields.String(load_default=None)


class SettlementSchema(Schema):
    id = ma.fields.String()
    trigger = ma.fields.String(metadata={"enum": ["periodic", "on_demand"]})
    status = ma.fields.String(metadata={"enum": ["queued", "running", "completed"]})
    commissions = ma.fields.Integer(metadata={"description": "How many commissions it settled"})
    amount = ma.fields.Integer(metadata={"description": "What it settled, minor units"})
    currency = ma.fields.String()
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)


DistributorPageSchema = page_schema(DistributorSchema)
CommissionPageSchema = page_schema(CommissionSchema)
TeamPageSchema = page_schema(TeamMemberSchema)
SettlementPageSchema = page_schema(SettlementSchema)
