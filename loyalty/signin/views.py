from flask.views import MethodView

from core.api import Blueprint
from core.db import unit_of_work
from core.idempotency import idempotent
from loyalty.signin import service
from loyalty.signin.schemas import SignInSchema
from tenants.auth import consumer, current_customer_id

blp = Blueprint("sign_in", __name__, url_prefix="/v1/storefront/points", description="Daily sign-in")


@blp.route("/sign-in")
class SignIn(MethodView):
    @idempotent
    @consumer
    @blp.response(201, SignInSchema)
    def post(self):
        """Sign in for today (the tenant's local day); again the same day is 409 already_signed_in."""
        with unit_of_work() as session:
            return service.sign_in(session, customer_id=current_customer_id())
