from decimal import Decimal

import marshmallow as ma

from core import clock
from core.api import Schema, page_schema

COUPON_STATUSES = ("available", "locked", "used", "expired", "void")


class Percent(ma.fields.Decimal):
    """A percentage such as 15 or 15.5: loaded exactly (never through a float), shown as a JSON number."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value).normalize()
        return int(value) if value == value.to_integral_value() else float(value)


def _at_most_two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ma.ValidationError("At most two decimal places.")


class CouponTemplateCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["amount_off", "percent_off"]))
    amount_off = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1))
    percent_off = Percent(load_default=None, validate=[
        ma.validate.Range(min=Decimal("0"), max=Decimal("100"), min_inclusive=False), _at_most_two_decimals,
    ])
    max_discount = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1))
    min_spend = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0))
    product_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), load_default=None,
                                 validate=ma.validate.Length(min=1, max=500),
                                 metadata={"description": "Products in scope; absent: every product"})
    valid_from = ma.fields.AwareDateTime(load_default=None)
    valid_until = ma.fields.AwareDateTime(load_default=None)
    valid_days = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=3650),
                                   metadata={"description": "Instead of a fixed window: valid N days from issue"})
    total_quantity = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                       metadata={"description": "Absent: unlimited"})
    per_customer_limit = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                           metadata={"description": "Absent: unlimited"})
    claimable = ma.fields.Boolean(load_default=True, metadata={"description": "False: grant-only"})

    @ma.validates_schema
    def _terms_fit_the_kind(self, data, **_kwargs):
        if data["kind"] == "amount_off":
            if data["amount_off"] is None:
                raise ma.ValidationError("Required for an amount_off coupon.", "amount_off")
            for field in ("percent_off", "max_discount"):
                if data[field] is not None:
                    raise ma.ValidationError("Only for a percent_off coupon.", field)
        elif data["kind"] == "percent_off":
            if data["percent_off"] is None:
                raise ma.ValidationError("Required for a percent_off coupon.", "percent_off")
            if data["amount_off"] is not None:
                raise ma.ValidationError("Only for an amount_off coupon.", "amount_off")

    @ma.validates_schema
    def _one_validity_mode(self, data, **_kwargs):
        if data["valid_days"] is not None:
            for field in ("valid_from", "valid_until"):
                if data[field] is not None:
                    raise ma.ValidationError("Give a fixed window or valid_days, not both.", field)
        if data["valid_from"] and data["valid_until"] and data["valid_from"] >= data["valid_until"]:
            raise ma.ValidationError("Must be after valid_from.", "valid_until")


class CouponTemplateSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    amount_off = ma.fields.Integer(allow_none=True)
    percent_off = Percent(allow_none=True)
    max_discount = ma.fields.Integer(allow_none=True)
    min_spend = ma.fields.Integer()
    product_ids = ma.fields.List(ma.fields.String(), allow_none=True)
    valid_from = ma.fields.DateTime(allow_none=True)
    valid_until = ma.fields.DateTime(allow_none=True)
    valid_days = ma.fields.Integer(allow_none=True)
    total_quantity = ma.fields.Integer(allow_none=True)
    per_customer_limit = ma.fields.Integer(allow_none=True)
    claimable = ma.fields.Boolean()
    issued_count = ma.fields.Integer()
    created_at = ma.fields.DateTime()


CouponTemplatePageSchema = page_schema(CouponTemplateSchema)


class GrantSchema(Schema):
    customer_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), required=True,
                                  validate=ma.validate.Length(min=1, max=1000))


class GrantResultSchema(Schema):
    issued = ma.fields.Integer(metadata={"description": "Customers issued one coupon"})
    skipped = ma.fields.Integer(metadata={"description": "Customers refused by the limits, or unknown"})
    skipped_customer_ids = ma.fields.List(ma.fields.String())


class CouponSchema(Schema):
    id = ma.fields.String()
    template_id = ma.fields.String()
    status = ma.fields.Method("_status", metadata={"type": "string", "enum": list(COUPON_STATUSES),
                                                   "description": "As of now: a lapsed coupon is expired"})
    name = ma.fields.String(attribute="template.name")
    kind = ma.fields.String(attribute="template.kind")
    amount_off = ma.fields.Integer(attribute="template.amount_off", allow_none=True)
    percent_off = Percent(attribute="template.percent_off", allow_none=True)
    max_discount = ma.fields.Integer(attribute="template.max_discount", allow_none=True)
    min_spend = ma.fields.Integer(attribute="template.min_spend")
    product_ids = ma.fields.List(ma.fields.String(), attribute="template.product_ids", allow_none=True)
    valid_from = ma.fields.DateTime(allow_none=True)
    valid_until = ma.fields.DateTime(allow_none=True)
    order_id = ma.fields.String(allow_none=True, metadata={"description": "The order that locked or used it"})
    source = ma.fields.String(metadata={"description": "claim | grant | exchange | referral"})
    created_at = ma.fields.DateTime()
    used_at = ma.fields.DateTime(allow_none=True)

    def _status(self, coupon) -> str:
        return coupon.status_at(clock.now())


CouponPageSchema = page_schema(CouponSchema)


class CouponListArgsSchema(Schema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(COUPON_STATUSES))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    starting_after = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Za-z0-9_]{1,64}$"))
