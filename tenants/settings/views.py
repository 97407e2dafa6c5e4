import marshmallow as ma
from flask.views import MethodView

from core.api import Blueprint, Schema
from core.db import unit_of_work
from tenants.auth import secret_key
from tenants.settings import service

blp = Blueprint("settings", __name__, url_prefix="/v1/admin/settings", description="Tenant settings")


class SettingsDocumentSchema(Schema):
    """`{section: {key: value}}`. Sections are registered by each domain, so the document is open."""

    class Meta(Schema.Meta):
        unknown = ma.INCLUDE

    def dump(self, obj, *, many=None):
        return obj  # the service already renders each section through its own schema


@blp.route("")
class Settings(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, SettingsDocumentSchema)
    def get(self):
        """Every settings section, defaults filled in; secrets show only whether they are set."""
        with unit_of_work() as session:
            return service.get_all(session)

    @secret_key("admin")
    @blp.arguments(SettingsDocumentSchema)
    @blp.response(200, SettingsDocumentSchema)
    def patch(self, patch):
        """Merge a partial settings document; an invalid value is 422 and changes nothing."""
        with unit_of_work() as session:
            return service.update(session, patch=patch)
