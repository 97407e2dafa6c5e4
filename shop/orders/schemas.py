import marshmallow as ma

from core.api import PageArgsSchema, Schema
from shop.orders.models import STATUSES

MAX_LINES = 50
MAX_QUANTITY = 10_000


class OrderLineInputSchema(Schema):
    sku_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    quantity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_QUANTITY))


class GroupBuyInputSchema(Schema):
    campaign_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40),
                                   metadata={"description": "The group-buy campaign"})
    group_id = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=40),
                                metadata={"description": "The group to join; without it the customer starts one"})


class OrderCreateSchema(Schema):
    lines = ma.fields.List(ma.fields.Nested(OrderLineInputSchema), required=True,
                           validate=ma.validate.Length(min=1, max=MAX_LINES))
    coupon_id = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=40))
    points = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=10**12))
    voucher_code = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200),
                                    metadata={"description": "A voucher to pay with (another platform's, or an "
                                                             "offline voucher the customer holds)"})
    group_buy = ma.fields.Nested(GroupBuyInputSchema, load_default=None, allow_none=True,
                                 metadata={"description": "Start (no group_id) or join a group of a group-buy: one "
                                                          "line of a campaign SKU, at the group price"})

    @ma.validates_schema
    def _a_group_order_is_one_line(self, data, **_kwargs):
        if data.get("group_buy") is not None and len(data.get("lines") or ()) != 1:
            raise ma.ValidationError("A group order has exactly one line.", "lines")

    @ma.validates("lines")
    def _each_sku_once(self, lines, **_kwargs):
        seen = set()
        # A line whose own fields failed may arrive without a valid sku_id (found by fuzzing: it was a 500).
        for sku_id in (line.get("sku_id") for line in lines if isinstance(line, dict)):
            if not isinstance(sku_id, str):
                continue
            if sku_id in seen:
                raise ma.ValidationError(f"SKU {sku_id} appears twice; give it once with the total quantity.")
            seen.add(sku_id)


class QuoteLineSchema(Schema):
    sku_id = ma.fields.String()
    product_id = ma.fields.String()
    quantity = ma.fields.Integer()
    unit_price = ma.fields.Integer()
    subtotal = ma.fields.Integer()
    discount = ma.fields.Integer(metadata={"description": "This line's share of the coupon"})
    voucher_deduction = ma.fields.Integer(metadata={"description": "This line's share of the voucher"})
    points_deduction = ma.fields.Integer(metadata={"description": "This line's share of the points deduction"})
    total = ma.fields.Integer(metadata={"description": "What is paid for this line"})


class QuoteSchema(Schema):
    currency = ma.fields.String()
    subtotal = ma.fields.Integer()
    discount_total = ma.fields.Integer()
    voucher_deduction = ma.fields.Integer()
    voucher_code = ma.fields.String(allow_none=True)
    points_used = ma.fields.Integer()
    points_deduction = ma.fields.Integer()
    total = ma.fields.Integer()
    coupon_id = ma.fields.String(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(QuoteLineSchema))


class OrderLineSchema(QuoteLineSchema):
    id = ma.fields.String()
    title = ma.fields.String()
    sku_name = ma.fields.String(allow_none=True)
    refunded_quantity = ma.fields.Integer()
    refunded_amount = ma.fields.Integer()


class PaymentSchema(Schema):
    provider = ma.fields.String(metadata={"description": "stripe or offline"})
    intent_id = ma.fields.String(allow_none=True, metadata={"description": "The Stripe PaymentIntent"})
    status = ma.fields.String(metadata={"description": "pending, succeeded or canceled"})
    failure_message = ma.fields.String(allow_none=True, metadata={"description": "Why the last attempt to pay "
                                                                                 "failed, if it did"})


class ConsumerPaymentSchema(PaymentSchema):
    client_secret = ma.fields.String(allow_none=True, metadata={"description": "For the client to confirm the "
                                                                               "PaymentIntent"})


class OrderGroupBuySchema(Schema):
    campaign_id = ma.fields.String()
    group_id = ma.fields.String()
    role = ma.fields.String(metadata={"enum": ["leader", "member"]})
    group_status = ma.fields.String(metadata={"enum": ["pending", "forming", "succeeded", "failed"]})


class OrderSchema(Schema):
    id = ma.fields.String()
    status = ma.fields.String(metadata={"description": ", ".join(STATUSES)})
    currency = ma.fields.String()
    subtotal = ma.fields.Integer()
    discount_total = ma.fields.Integer()
    points_used = ma.fields.Integer()
    points_deduction = ma.fields.Integer()
    total = ma.fields.Integer()
    refunded_total = ma.fields.Integer()
    coupon_id = ma.fields.String(allow_none=True)
    voucher_code = ma.fields.String(allow_none=True)
    voucher_deduction = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    payment = ma.fields.Nested(ConsumerPaymentSchema)
    carrier = ma.fields.String(allow_none=True)
    tracking_number = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(metadata={"description": "Unpaid by then, the order is cancelled"})
    paid_at = ma.fields.DateTime(allow_none=True)
    shipped_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    after_sales_ends_at = ma.fields.DateTime(allow_none=True)
    after_sales_closed_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "Null until the after-sales window has closed; from then on points and commissions are "
                       "final and a refund is refused"})
    group_buy = ma.fields.Nested(OrderGroupBuySchema, allow_none=True,
                                 metadata={"description": "The group-buy group the order holds a seat in (null "
                                                          "otherwise); it ships only once the group succeeded"})


class AdminOrderSchema(OrderSchema):
    customer_id = ma.fields.String()
    payment = ma.fields.Nested(PaymentSchema)


class OrderListArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class ShipSchema(Schema):
    carrier = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=100))
    tracking_number = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=100))


class RefundLineInputSchema(Schema):
    line_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    quantity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_QUANTITY))


class RefundCreateSchema(Schema):
    amount = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))
    lines = ma.fields.List(ma.fields.Nested(RefundLineInputSchema), validate=ma.validate.Length(min=1, max=MAX_LINES))
    reason = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=500))

    @ma.validates_schema
    def _amount_or_lines(self, data, **_kwargs):
        if "amount" in data and "lines" in data:
            raise ma.ValidationError("Give an amount or lines, not both.", "amount")


class RefundLineSchema(Schema):
    line_id = ma.fields.String()
    quantity = ma.fields.Integer()
    amount = ma.fields.Integer()


class RefundSchema(Schema):
    id = ma.fields.String()
    order_id = ma.fields.String()
    amount = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "pending, succeeded or failed"})
    kind = ma.fields.String(metadata={"description": "merchant; paid_after_cancel or amount_mismatch "
                                            "(returned automatically: a payment for a cancelled order, or for "
                                            "another amount than the order's)"})
    reason = ma.fields.String(allow_none=True)
    points_returned = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(RefundLineSchema))
    failure_message = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    settled_at = ma.fields.DateTime(allow_none=True)
