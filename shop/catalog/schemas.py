import marshmallow as ma

from core.api import PageArgsSchema, Schema

MAX_PRICE = 10**12  # minor units; far beyond any real price, well inside BIGINT
MAX_STOCK = 10**9

_price = {"validate": ma.validate.Range(min=0, max=MAX_PRICE),
          "metadata": {"description": "Minor units of the tenant's currency"}}
_stock = {"validate": ma.validate.Range(min=0, max=MAX_STOCK)}


class SkuCreateSchema(Schema):
    name = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=100))
    price = ma.fields.Integer(required=True, strict=True, **_price)
    stock = ma.fields.Integer(required=True, strict=True, **_stock)


class ProductCreateSchema(Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=10_000))
    image_urls = ma.fields.List(ma.fields.Url(), load_default=list, validate=ma.validate.Length(max=20))
    skus = ma.fields.List(ma.fields.Nested(SkuCreateSchema), required=True, validate=ma.validate.Length(min=1, max=100))


def _between_zero_and_one(rate) -> None:
    # Not ma.validate.Range: apispec would document its bounds as strings (the field dumps decimals as
    # strings), which is not valid OpenAPI.
    if not 0 <= rate <= 1:
        raise ma.ValidationError("Must be between 0 and 1.")


_rate = {"as_string": True, "places": None, "allow_none": True, "validate": _between_zero_and_one,
         "metadata": {"description": "A decimal string, e.g. \"0.10\""}}
_amount = {"strict": True, "allow_none": True, "validate": ma.validate.Range(min=0, max=MAX_PRICE),
           "metadata": {"description": "Minor units per unit sold; 0 pays no commission at this level"}}


class CommissionOverrideSchema(Schema):
    """A product's commission, per level: a fixed amount per unit wins over a rate; unset levels use the tenant's."""

    level1_rate = ma.fields.Decimal(**_rate)
    level2_rate = ma.fields.Decimal(**_rate)
    level1_amount = ma.fields.Integer(**_amount)
    level2_amount = ma.fields.Integer(**_amount)


class ProductUpdateSchema(Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10_000))
    image_urls = ma.fields.List(ma.fields.Url(), validate=ma.validate.Length(max=20))
    status = ma.fields.String(validate=ma.validate.OneOf(["active", "archived"]))
    commission = ma.fields.Nested(CommissionOverrideSchema, allow_none=True,
                                  metadata={"description": "Distribution commission override; null removes it"})


class SkuUpdateSchema(Schema):
    name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    price = ma.fields.Integer(strict=True, **_price)
    stock = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_STOCK), metadata={
        "description": "Set the stock. With expected_stock, only if the stock is still that (else 409 "
                       "stock_changed); alone, it is set whatever checkouts reserved meanwhile."})
    expected_stock = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_STOCK), metadata={
        "description": "The stock as last read: `stock` applies only if it is still this (else 409 stock_changed)"})
    stock_delta = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=-MAX_STOCK, max=MAX_STOCK), metadata={
        "description": "Add (or, negative, take away) units relative to the stock now, whatever checkouts "
                       "reserved meanwhile; taking more than there is is 409 out_of_stock"})

    @ma.validates_schema
    def _one_way_to_change_stock(self, data, **_kwargs):
        if "stock_delta" in data and "stock" in data:
            raise ma.ValidationError("Send stock or stock_delta, not both.", "stock_delta")
        if "expected_stock" in data and "stock" not in data:
            raise ma.ValidationError("expected_stock goes with stock.", "expected_stock")


class ProductListArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["active", "archived"]))


class SkuSchema(Schema):
    id = ma.fields.String()
    product_id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    price = ma.fields.Integer()
    stock = ma.fields.Integer()


class ProductSchema(Schema):
    id = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    image_urls = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    commission = ma.fields.Dict(allow_none=True)
    skus = ma.fields.List(ma.fields.Nested(SkuSchema))
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class StorefrontSkuSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    price = ma.fields.Integer()
    in_stock = ma.fields.Boolean()


class StorefrontProductSchema(Schema):
    id = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    image_urls = ma.fields.List(ma.fields.String())
    skus = ma.fields.List(ma.fields.Nested(StorefrontSkuSchema))
