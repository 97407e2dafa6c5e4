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
    stock = ma.fields.Integer(strict=True, **_stock)


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
