from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, page_schema
from core.db import unit_of_work
from core.idempotency import claim_row, first_use, idempotent, request_key
from shop.orders.schemas import OrderCreateSchema, OrderSchema, QuoteSchema
from shop.orders.service import checkout, lifecycle, queries
from shop.payments import service as payments
from tenants.auth import consumer, current_customer_id

blp = Blueprint("orders_storefront", __name__, url_prefix="/v1/storefront/orders",
                description="Orders (consumers): checkout, payment, cancellation, receipt")


@blp.route("/preview")
class OrderPreview(MethodView):
    @consumer
    @blp.arguments(OrderCreateSchema)
    @blp.response(200, QuoteSchema)
    @blp.alt_response(404, description="voucher_not_found: no such voucher code for this customer; not_found: "
                                       "no such group-buy or group")
    @blp.alt_response(409, description="the refusals of checkout itself (out_of_stock, coupon_not_applicable, "
                                       "group_full, group_closed, …), holding nothing")
    @blp.alt_response(429, description="too_many_attempts: too many unknown voucher codes; see Retry-After")
    def post(self, data):
        """Price an order exactly as checkout would (coupon and points included), holding nothing."""
        with unit_of_work() as session:
            return checkout.preview(session, customer_id=current_customer_id(), **data)


@blp.route("")
class Orders(MethodView):
    @idempotent(own_transactions=True, claimed_in_writes=True)
    @consumer
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(409, description="out_of_stock, coupon_not_applicable, insufficient_points, "
                                       "points_limit_exceeded; for a group order also group_buy_not_active, "
                                       "group_full, group_closed, already_in_group, group_buy_limit_reached, "
                                       "voucher_not_applicable: nothing was held")
    @blp.alt_response(502, description="payment_provider_error: the order was cancelled, nothing is held")
    @blp.alt_response(404, description="voucher_not_found: no such voucher code for this customer; not_found: "
                                       "no such group-buy or group")
    @blp.alt_response(429, description="too_many_attempts: too many unknown voucher codes; see Retry-After")
    def post(self, data):
        """Check out: reserve stock, hold the coupon and points, and open the payment, all or nothing.

        With Stripe, `payment.client_secret` confirms the PaymentIntent; with the offline provider,
        `offline-payment` marks the order paid. Unpaid at `expires_at`, the order is cancelled.
        Honours `Idempotency-Key`: a retry, even after a crash, finds the order the key placed.
        With `group_buy` it starts a group (no `group_id`) or joins one: one line of a campaign SKU at the
        group price, its seat taken with the order; it ships once the group has succeeded.
        """
        # Checkout owns its transactions: the provider is called between two commits.
        # The key's claim is written with the order (one round trip fewer than a claim of its own).
        return checkout.place_order(customer_id=current_customer_id(), request_key=request_key(),
                                    first_use=first_use(), claim=claim_row(), **data)

    @consumer
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(OrderSchema))
    def get(self, page):
        """The customer's orders, newest first."""
        with unit_of_work() as session:
            return queries.list_orders(session, customer_id=current_customer_id(), **page)


@blp.route("/<order_id>")
class OrderDetail(MethodView):
    @consumer
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One of the customer's orders."""
        with unit_of_work() as session:
            return queries.get_order(session, order_id=order_id, customer_id=current_customer_id())


@blp.route("/<order_id>/cancel")
class CancelOrder(MethodView):
    @idempotent
    @consumer
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """Cancel an order awaiting payment (else 409 invalid_state); its stock, coupon and points are released."""
        with unit_of_work() as session:
            return lifecycle.cancel_order(session, order_id=order_id, customer_id=current_customer_id())


@blp.route("/<order_id>/confirm-receipt")
class ConfirmReceipt(MethodView):
    @consumer
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """Confirm a shipped order arrived: it is completed and its after-sales window opens."""
        with unit_of_work() as session:
            return lifecycle.complete_order(session, order_id=order_id, customer_id=current_customer_id())


@blp.route("/<order_id>/offline-payment")
class OfflinePayment(MethodView):
    @idempotent(claimed_in_writes=True)  # the key's row goes in with the response: one round trip, not two
    @consumer
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """Offline provider only, where the tenant's `payments.offline_self_confirm` allows it (else 403
        forbidden): mark the order paid (409 invalid_state for a Stripe order or one not awaiting payment)."""
        with unit_of_work() as session:
            return payments.pay_offline(session, order_id=order_id, customer_id=current_customer_id())
