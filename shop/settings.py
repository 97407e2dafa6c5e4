"""The `orders` and `payments` settings sections, owned by the shop."""

import marshmallow as ma

from tenants.settings.registry import register_section


class OrdersSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    unpaid_timeout_minutes = ma.fields.Integer(load_default=30, validate=ma.validate.Range(min=1, max=7 * 24 * 60))
    after_sales_days = ma.fields.Integer(load_default=7, validate=ma.validate.Range(min=0, max=365))
    auto_complete_days = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=365))


class PaymentsSettings(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    stripe_secret_key = ma.fields.String(
        load_default=None, allow_none=True, load_only=True, metadata={"write_only": True},
        validate=ma.validate.Regexp(r"^(sk|rk)_", error="A Stripe secret key starts with sk_ or rk_."),
    )
    stripe_webhook_secret = ma.fields.String(
        load_default=None, allow_none=True, load_only=True, metadata={"write_only": True},
        validate=ma.validate.Regexp(r"^whsec_", error="A Stripe webhook secret starts with whsec_."),
    )
    # Whether consumers may confirm an offline payment themselves: development and the demo only.
    # Otherwise staff confirm it (POST /v1/admin/orders/{id}/offline-payment) when the money arrived.
    offline_self_confirm = ma.fields.Boolean(load_default=False)


register_section("orders", OrdersSettings)
register_section("payments", PaymentsSettings)
