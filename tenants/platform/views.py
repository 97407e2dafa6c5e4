from flask.views import MethodView

from core.api import Blueprint
from core.db import unit_of_work
from tenants.auth import platform_only
from tenants.platform import service
from tenants.platform.schemas import TenantCreatedSchema, TenantCreateSchema, TenantSchema

blp = Blueprint("platform", __name__, url_prefix="/v1/platform", description="Platform operator: tenants")


@blp.route("/tenants")
class Tenants(MethodView):
    @platform_only
    @blp.arguments(TenantCreateSchema)
    @blp.response(201, TenantCreatedSchema)
    def post(self, data):
        """Create a tenant; the response shows its admin key, once."""
        with unit_of_work() as session:
            return service.create_tenant(session, **data)


@blp.route("/tenants/<tenant_id>/suspend")
class SuspendTenant(MethodView):
    @platform_only
    @blp.response(200, TenantSchema)
    def post(self, tenant_id):
        """Suspend a tenant: its credentials get 403 tenant_suspended and its jobs are skipped."""
        with unit_of_work() as session:
            return service.suspend(session, tenant_id=tenant_id)


@blp.route("/tenants/<tenant_id>/resume")
class ResumeTenant(MethodView):
    @platform_only
    @blp.response(200, TenantSchema)
    def post(self, tenant_id):
        """Resume a suspended tenant."""
        with unit_of_work() as session:
            return service.resume(session, tenant_id=tenant_id)
