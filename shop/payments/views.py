import marshmallow as ma
from flask import request
from flask.views import MethodView

from core.api import Blueprint, Schema
from core.db import unit_of_work
from shop.payments import config, webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks", description="Payment provider webhooks")
blp.record_once(config.remember_app)


class ReceivedSchema(Schema):
    received = ma.fields.Boolean()


@blp.route("/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(400, description="invalid_signature: the Stripe-Signature header does not match; "
                                       "invalid_event: signed, but not an event that can be read")
    def post(self):
        """Stripe events (`payment_intent.succeeded`, `payment_intent.payment_failed`), verified on the raw body.

        Each event id is processed once. The PaymentIntent's `metadata.tenant_id` and `metadata.order_id`
        say whose order it pays.
        """
        with unit_of_work() as session:
            webhooks.receive(session, payload=request.get_data(), signature=request.headers.get("Stripe-Signature", ""))
        return {"received": True}
