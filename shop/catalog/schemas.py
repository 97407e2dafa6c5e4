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


class ProductUpdateSchema(Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10_000))
    image_urls = ma.fields.List(ma.fields.Url(), validate=ma.validate.Length(max=20))
    status = ma.fields.String(validate=ma.validate.OneOf(["active", "archived"]))


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
