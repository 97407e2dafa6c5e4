import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from core.api import Blueprint, PageArgsSchema, Schema, page_schema
from core.db import unit_of_work
from core.pagination import paginate
from tenants.auth import secret_key
from tenants.customers import service
from tenants.customers.models import Customer

blp = Blueprint("customers", __name__, url_prefix="/v1/admin/customers", description="Customers")


class CustomerSchema(Schema):
    id = ma.fields.String()
    provider = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    invite_code = ma.fields.String()
    referred_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    last_login_at = ma.fields.DateTime(allow_none=True)


@blp.route("")
class Customers(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(CustomerSchema))
    def get(self, page):
        """The tenant's customers, newest first."""
        with unit_of_work() as session:
            return paginate(session, select(Customer), id_column=Customer.id, **page)


@blp.route("/<customer_id>")
class CustomerDetail(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, CustomerSchema)
    def get(self, customer_id):
        """One customer."""
        with unit_of_work() as session:
            return service.get_customer(session, customer_id=customer_id)
