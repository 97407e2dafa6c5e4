"""The `auth` and `wechat` sections, owned by the tenants domain."""

import marshmallow as ma

from tenants.settings.registry import register_section


class AuthSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    dev_login_enabled = ma.fields.Boolean(load_default=False)


class WechatSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    app_id = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=64))
    app_secret = ma.fields.String(
        load_default=None, allow_none=True, load_only=True, metadata={"write_only": True},
        validate=ma.validate.Length(max=128),
    )


register_section("auth", AuthSettings)
register_section("wechat", WechatSettings)
