from decimal import Decimal

import marshmallow as ma

from core.api import PageArgsSchema, Schema, page_schema
from shop.groupbuy.models import GROUP_STATUSES

CAMPAIGN_STATUSES = ["scheduled", "active", "ended"]
MAX_RATE_PLACES = 6


def _rate(maximum: str, **kwargs) -> ma.fields.Decimal:
    """A rate as a decimal string ("0.15") between 0 and `maximum`, with at most six decimal places."""

    def within(value: Decimal) -> None:
        if not Decimal("0") <= value <= Decimal(maximum):
            raise ma.ValidationError(f"Must be between 0 and {maximum}.")
        if value.normalize().as_tuple().exponent < -MAX_RATE_PLACES:
            raise ma.ValidationError(f"At most {MAX_RATE_PLACES} decimal places.")

    # Documented as the decimal string the contract speaks of (a JSON number is read too).
    metadata = {"type": "string", "example": maximum, **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=None, validate=within, metadata=metadata, **kwargs)


class GroupPriceInputSchema(Schema):
    sku_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    price = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10**12),
                              metadata={"description": "The group price, minor units"})


class GroupBuyCreateSchema(Schema):
    product_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    prices = ma.fields.List(ma.fields.Nested(GroupPriceInputSchema), required=True,
                            validate=ma.validate.Length(min=1, max=50))
    group_size = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=2, max=50),
                                   metadata={"description": "Seats in a group, the leader's included"})
    time_limit_minutes = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10080),
                                           metadata={"description": "How long a group has to fill, from the "
                                                                    "leader's payment"})
    starts_at = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                        metadata={"description": "Default: now"})
    ends_at = ma.fields.AwareDateTime(required=True, metadata={"description": "After starts_at, in the future"})
    per_customer_limit = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                           validate=ma.validate.Range(min=1, max=1000),
                                           metadata={"description": "Groups of this campaign one customer may take "
                                                                    "part in at once (null: no limit)"})
    virtual_fill_threshold = _rate("1", load_default=None, allow_none=True,
                                   metadata={"description": "At its deadline, a formed group with at least this "
                                                            "share of its seats paid succeeds anyway (null: never)"})
    leader_commission_rate = _rate("0.5", load_default=Decimal("0"),
                                   metadata={"description": "The leader's commission on each other member's paid "
                                                            "line total when the group succeeds"})

    @ma.validates("prices")
    def _each_sku_once(self, prices, **_kwargs):
        sku_ids = [price.get("sku_id") for price in prices if isinstance(price, dict)]
        if len(set(sku_ids)) != len(sku_ids):
            raise ma.ValidationError("Give each SKU one price.")


class GroupPriceSchema(Schema):
    sku_id = ma.fields.String()
    price = ma.fields.Integer()


class StorefrontGroupBuySchema(Schema):
    id = ma.fields.String()
    product_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": CAMPAIGN_STATUSES})
    currency = ma.fields.String()
    prices = ma.fields.List(ma.fields.Nested(GroupPriceSchema))
    group_size = ma.fields.Integer()
    time_limit_minutes = ma.fields.Integer()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    per_customer_limit = ma.fields.Integer(allow_none=True)
    leader_commission_rate = ma.fields.String()


class GroupBuySchema(StorefrontGroupBuySchema):
    virtual_fill_threshold = ma.fields.String(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True, metadata={"description": "When the merchant ended it early"})
    created_at = ma.fields.DateTime()


class OpenGroupSchema(Schema):
    id = ma.fields.String()
    seats_left = ma.fields.Integer()
    expires_at = ma.fields.DateTime()


class GroupBuyOnShelfSchema(StorefrontGroupBuySchema):
    open_groups = ma.fields.List(ma.fields.Nested(OpenGroupSchema),
                                 metadata={"description": "Forming groups with a free seat, fewest seats left "
                                                          "first (at most 20)"})


class MemberSchema(Schema):
    customer_id = ma.fields.String()
    role = ma.fields.String(metadata={"enum": ["leader", "member"]})
    paid = ma.fields.Function(lambda member: member.status == "paid", metadata={"type": "boolean"})


class GroupSchema(Schema):
    id = ma.fields.String()
    campaign_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(GROUP_STATUSES)})
    group_size = ma.fields.Integer()
    paid_count = ma.fields.Integer()
    seats_left = ma.fields.Integer(metadata={"description": "0 once the group has ended"})
    expires_at = ma.fields.DateTime(allow_none=True, metadata={"description": "Null until the leader pays"})
    virtual_filled = ma.fields.Boolean()
    members = ma.fields.List(ma.fields.Nested(MemberSchema),
                             metadata={"description": "Who holds a seat: the leader first; a cancelled order's "
                                                      "customer, or one refunded in full while the group formed, is "
                                                      "no longer here (a paid seat stays once the group has ended)"})


class AdminMemberSchema(MemberSchema):
    order_id = ma.fields.String()
    joined_at = ma.fields.DateTime()


class AdminGroupSchema(GroupSchema):
    leader_customer_id = ma.fields.String()
    members = ma.fields.List(ma.fields.Nested(AdminMemberSchema))
    created_at = ma.fields.DateTime()
    succeeded_at = ma.fields.DateTime(allow_none=True)
    failed_at = ma.fields.DateTime(allow_none=True)


class GroupListArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(GROUP_STATUSES))


GroupBuyPageSchema = page_schema(GroupBuySchema)
StorefrontGroupBuyPageSchema = page_schema(StorefrontGroupBuySchema)
AdminGroupPageSchema = page_schema(AdminGroupSchema)
