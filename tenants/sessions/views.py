import marshmallow as ma
from flask.views import MethodView

from core.api import Blueprint, Schema, storable, unstorable_text
from core.db import unit_of_work
from tenants.auth import consumer, current_customer_id, publishable_key
from tenants.customers import service as customers
from tenants.sessions import service

blp = Blueprint("sessions", __name__, url_prefix="/v1/storefront", description="Consumer login")


class SessionCreateSchema(Schema):
    provider = ma.fields.String(required=True, validate=ma.validate.OneOf(["wechat", "dev"]))
    code = ma.fields.String(validate=ma.validate.Length(min=1, max=256))
    openid = ma.fields.String(validate=ma.validate.Length(min=1, max=128))
    invite_code = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))

    @ma.pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        # A login never fails because of an invite code (API.md): one holding what no column can (a NUL byte, a
        # lone surrogate) is read with those characters replaced, a code nobody has. The rest is refused as ever.
        if isinstance(data, dict) and isinstance(data.get("invite_code"), str) and unstorable_text(data["invite_code"]):
            data = {**data, "invite_code": storable(data["invite_code"])}
        return super()._refuse_unstorable_text(data, **kwargs)

    @ma.validates_schema
    def _credential_for_provider(self, data, **_kwargs):
        needed = {"wechat": "code", "dev": "openid"}[data["provider"]]
        if not data.get(needed):
            raise ma.ValidationError(f"Required for the {data['provider']} provider.", needed)


class CustomerRefSchema(Schema):
    id = ma.fields.String()


class InviteOutcomeSchema(Schema):
    status = ma.fields.String(metadata={"description": "referral: bound | ignored; binding: bound | kept | refused"})
    reason = ma.fields.String(metadata={"description": "Why a binding was refused"})


class SessionSchema(Schema):
    token = ma.fields.String()
    expires_at = ma.fields.DateTime()
    customer = ma.fields.Nested(CustomerRefSchema)
    referral = ma.fields.Nested(InviteOutcomeSchema, metadata={"description": "Only when an invite_code was given"})
    binding = ma.fields.Nested(InviteOutcomeSchema, metadata={"description": "Only when an invite_code was given"})


class MeSchema(Schema):
    id = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    invite_code = ma.fields.String(metadata={"description": "The customer's own invite code, stable"})
    referred_by = ma.fields.String(allow_none=True, metadata={"description": "The inviter's customer id"})
    created_at = ma.fields.DateTime()


@blp.route("/sessions")
class Sessions(MethodView):
    @publishable_key
    @blp.arguments(SessionCreateSchema)
    @blp.response(201, SessionSchema)
    def post(self, data):
        """Log a consumer in through `wechat` (a login code) or `dev` (an openid, where enabled)."""
        with unit_of_work() as session:
            return service.log_in(session, **data)


@blp.route("/me")
class Me(MethodView):
    @consumer
    @blp.response(200, MeSchema)
    def get(self):
        """The logged-in customer."""
        with unit_of_work() as session:
            return customers.get_customer(session, customer_id=current_customer_id())
