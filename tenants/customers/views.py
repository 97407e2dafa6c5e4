import marshmallow as ma
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, page_schema
from core.db import unit_of_work
from tenants.auth import secret_key
from tenants.customers import extensions, service
from tenants.customers.schemas import CustomerDetailSchema, CustomerSchema

blp = Blueprint("customers", __name__, url_prefix="/v1/admin/customers", description="Customers")


class CustomerListArgsSchema(PageArgsSchema):
    """`limit`, `starting_after`, and the filters capabilities registered (segments: `stage`, `tag`)."""

    class Meta:
        unknown = ma.INCLUDE

    @ma.post_load
    def _registered_filters(self, data, **_kwargs):
        page = {name: data.pop(name) for name in ("limit", "starting_after")}
        return {**page, "filters": extensions.parse_filters(data)}


@blp.route("")
class Customers(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.arguments(CustomerListArgsSchema, location="query", unknown=ma.INCLUDE)
    @blp.response(200, page_schema(CustomerSchema))
    def get(self, args):
        """The tenant's customers, newest first; `stage` and `tag` narrow the list (registered by segments)."""
        with unit_of_work() as session:
            return service.list_customers(session, **args)


@blp.route("/<customer_id>")
class CustomerDetail(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, CustomerDetailSchema)
    def get(self, customer_id):
        """One customer, with its lifecycle `stage`, `stage_since` and `rfm` scores (added by segments)."""
        with unit_of_work() as session:
            return service.customer_detail(session, customer_id=customer_id)
