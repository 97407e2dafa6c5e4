import marshmallow as ma
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, Schema, page_schema
from core.db import unit_of_work
from core.idempotency import idempotent
from tenants.auth import ROLES, secret_key
from tenants.keys import service

blp = Blueprint("api_keys", __name__, url_prefix="/v1/admin/api-keys", description="Tenant secret keys")


class ApiKeyCreateSchema(Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    name = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))


class ApiKeySchema(Schema):
    id = ma.fields.String()
    role = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    key_hint = ma.fields.String()
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = ma.fields.String(allow_none=True, metadata={
        "description": "The secret, shown only in this response: a replay of the request (Idempotent-Replayed: "
                       "true) returns null, since the secret is stored nowhere. Lost it? Revoke the key and create "
                       "another."})


ApiKeyPageSchema = page_schema(ApiKeySchema)


@blp.route("")
class ApiKeys(MethodView):
    @idempotent(conceal=("key",))  # the secret is never stored: a replay answers key: null
    @secret_key("admin")
    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, data):
        """Create a secret key with a role; the key is shown only in this response."""
        with unit_of_work() as session:
            key, secret = service.create_key(session, **data)
            return {**{name: getattr(key, name) for name in ApiKeySchema().fields}, "key": secret}

    @secret_key("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ApiKeyPageSchema)
    def get(self, page):
        """The tenant's keys, newest first (never their secrets)."""
        with unit_of_work() as session:
            return service.list_keys(session, **page)


@blp.route("/<key_id>")
class ApiKey(MethodView):
    @secret_key("admin")
    @blp.response(200, ApiKeySchema)
    def delete(self, key_id):
        """Revoke a key."""
        with unit_of_work() as session:
            return service.revoke_key(session, key_id=key_id)
