import marshmallow as ma

from core import clock
from core.api import Schema, page_schema
from loyalty.vouchers.models import DIRECTIONS, PLATFORMS, STATUSES
from loyalty.vouchers.platforms import adapter_for
from loyalty.vouchers.service.codes import MAX_GENERATED, MAX_PER_REQUEST

_STATUS = {"type": "string", "enum": list(STATUSES), "description": "As of now: a code still in play in an "
                                                                    "archived pool is void, past the pool's "
                                                                    "valid_until expired"}


class PoolCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    platform = ma.fields.String(required=True, validate=ma.validate.OneOf(PLATFORMS))
    direction = ma.fields.String(required=True, validate=ma.validate.OneOf(DIRECTIONS),
                                 metadata={"description": "issue: we hand the codes to our customers; accept: "
                                                          "codes sold elsewhere, redeemed here"})
    face_value = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=ma.validate.Range(min=1, max=10**12),
                                   metadata={"description": "Minor units; null: no money value (not usable at "
                                                            "checkout)"})
    description = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=2000))
    valid_from = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    valid_until = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                          metadata={"description": "In the future"})
    platform_settings = ma.fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "douyin: base_url, client_key, client_secret (write-only), poi_id"})


class PoolUpdateSchema(Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    valid_until = ma.fields.AwareDateTime(allow_none=True)
    status = ma.fields.String(validate=ma.validate.OneOf(["archived"]),
                              metadata={"description": "archived: the pool issues nothing and its codes are void"})
    platform_settings = ma.fields.Dict(allow_none=True, metadata={"description": "Merged into the pool's "
                                                                                 "settings"})


class CountsSchema(Schema):
    total = ma.fields.Integer()
    available = ma.fields.Integer()
    issued = ma.fields.Integer()
    locked = ma.fields.Integer()
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()
    void = ma.fields.Integer()
    conflicts = ma.fields.Integer(metadata={"description": "Codes a platform reported redeemed after they were "
                                                           "redeemed (or held) here"})


class PoolSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    platform = ma.fields.String(metadata={"enum": list(PLATFORMS)})
    direction = ma.fields.String(metadata={"enum": list(DIRECTIONS)})
    face_value = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String()
    valid_from = ma.fields.DateTime(allow_none=True)
    valid_until = ma.fields.DateTime(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["active", "archived"]})
    platform_settings = ma.fields.Method("_platform_settings", metadata={
        "type": "object", "description": "Secrets show only whether they are set (`<name>_set`)"})
    counts = ma.fields.Nested(CountsSchema)
    created_at = ma.fields.DateTime()
    archived_at = ma.fields.DateTime(allow_none=True)

    def _platform_settings(self, pool) -> dict:
        return adapter_for(pool.platform).public_settings(pool.platform_settings or {})


class CreatedPoolSchema(PoolSchema):
    callback_secret = ma.fields.String(metadata={"description": "Signs the platform's callbacks; shown only here"})


PoolPageSchema = page_schema(PoolSchema)


class CodesImportSchema(Schema):
    codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=1000)), required=True,
                           validate=ma.validate.Length(min=1, max=MAX_PER_REQUEST))


class InvalidCodeSchema(Schema):
    index = ma.fields.Integer()
    reason = ma.fields.String(metadata={"description": "empty, too_short, too_long, invalid_characters"})
    message = ma.fields.String()


class CodesImportedSchema(Schema):
    imported = ma.fields.Integer()
    duplicates = ma.fields.Integer(metadata={"description": "Codes the tenant holds already (any pool), skipped"})
    invalid = ma.fields.List(ma.fields.Nested(InvalidCodeSchema))


class GenerateSchema(Schema):
    count = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_GENERATED))


class GeneratedSchema(Schema):
    generated = ma.fields.Integer()


class PoolGrantSchema(Schema):
    customer_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), required=True,
                                  validate=ma.validate.Length(min=1, max=1000))


class PoolGrantResultSchema(Schema):
    issued = ma.fields.Integer(metadata={"description": "Customers given one code each"})
    skipped = ma.fields.Integer(metadata={"description": "Customers who hold a code of this pool already"})


class VoucherListArgsSchema(Schema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    starting_after = ma.fields.String(load_default=None)


class PoolBriefSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    platform = ma.fields.String()
    direction = ma.fields.String()
    face_value = ma.fields.Integer(allow_none=True)
    valid_from = ma.fields.DateTime(allow_none=True)
    valid_until = ma.fields.DateTime(allow_none=True)
    status = ma.fields.String()


class VoucherSchema(Schema):
    """A code as the merchant sees it."""

    id = ma.fields.String()
    pool_id = ma.fields.String()
    code = ma.fields.String()
    status = ma.fields.Method("_status", metadata=_STATUS)
    customer_id = ma.fields.String(allow_none=True)
    issued_at = ma.fields.DateTime(allow_none=True)
    redeemed_at = ma.fields.DateTime(allow_none=True)
    redeemed_via = ma.fields.String(allow_none=True, metadata={"enum": ["store", "checkout", "platform", None]})
    order_id = ma.fields.String(allow_none=True)
    conflict = ma.fields.Boolean(metadata={"description": "A platform reported a redemption of this code after it "
                                                          "was redeemed (or held) here"})
    location = ma.fields.String(allow_none=True)
    redeemed_by = ma.fields.String(allow_none=True, metadata={"description": "The API key that verified it"})
    created_at = ma.fields.DateTime()

    def _status(self, voucher) -> str:
        return voucher.status_at(clock.now())


VoucherPageSchema = page_schema(VoucherSchema)


class StoreVoucherSchema(VoucherSchema):
    """A code as a cashier sees it: with its pool."""

    pool = ma.fields.Nested(PoolBriefSchema)


class CodeSchema(Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class VerifySchema(CodeSchema):
    location = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200),
                                metadata={"description": "Where it was verified (a store, a till)"})


class CustomerVoucherSchema(Schema):
    """A voucher as its customer sees it."""

    id = ma.fields.String()
    pool_id = ma.fields.String()
    platform = ma.fields.String(attribute="pool.platform")
    name = ma.fields.String(attribute="pool.name")
    description = ma.fields.String(attribute="pool.description", allow_none=True)
    code = ma.fields.String()
    status = ma.fields.Method("_status", metadata=_STATUS)
    face_value = ma.fields.Integer(attribute="pool.face_value", allow_none=True)
    currency = ma.fields.String(attribute="pool.currency")
    valid_from = ma.fields.DateTime(attribute="pool.valid_from", allow_none=True)
    valid_until = ma.fields.DateTime(attribute="pool.valid_until", allow_none=True)
    issued_at = ma.fields.DateTime(allow_none=True)
    redeemed_at = ma.fields.DateTime(allow_none=True)

    def _status(self, voucher) -> str:
        return voucher.status_at(clock.now())


CustomerVoucherPageSchema = page_schema(CustomerVoucherSchema)


class PoolReportSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    platform = ma.fields.String()
    direction = ma.fields.String()
    face_value = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String()
    total = ma.fields.Integer()
    available = ma.fields.Integer()
    issued = ma.fields.Integer()
    locked = ma.fields.Integer()
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()
    void = ma.fields.Integer()
    conflicts = ma.fields.Integer()
    outstanding_value = ma.fields.Integer(metadata={"description": "Face value x codes still redeemable (issue "
                                                                   "pools: issued; accept pools: available)"})


class VoucherReportSchema(Schema):
    pools = ma.fields.List(ma.fields.Nested(PoolReportSchema))


class EventReceivedSchema(Schema):
    received = ma.fields.Boolean()
    outcome = ma.fields.String(metadata={"description": "What the event did (redeemed, conflict, unknown_code, …)"})
