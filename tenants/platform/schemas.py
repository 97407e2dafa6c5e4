import zoneinfo

import marshmallow as ma

from core.api import Schema
from core.money import SUPPORTED_CURRENCIES


def _valid_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ma.ValidationError("Unknown IANA time zone.") from error


class TenantCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    slug = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
                                    error="Lowercase letters, digits and inner hyphens, at most 63."),
    )
    currency = ma.fields.String(load_default="CNY", validate=ma.validate.OneOf(sorted(SUPPORTED_CURRENCIES)))
    timezone = ma.fields.String(load_default="Asia/Shanghai", validate=_valid_timezone)


class TenantSchema(Schema):
    id = ma.fields.String()
    slug = ma.fields.String()
    name = ma.fields.String()
    currency = ma.fields.String()
    timezone = ma.fields.String()
    status = ma.fields.String()
    publishable_key = ma.fields.String()
    created_at = ma.fields.DateTime()


class TenantCreatedSchema(TenantSchema):
    admin_key = ma.fields.String(metadata={"description": "Shown only in this response"})
