from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, page_schema
from core.db import unit_of_work
from core.idempotency import idempotent, request_key
from shop.orders.schemas import AdminOrderSchema, OrderListArgsSchema, RefundCreateSchema, RefundSchema, ShipSchema
from shop.orders.service import lifecycle, queries, refunds
from shop.payments import service as payments
from tenants.auth import secret_key

blp = Blueprint("orders_admin", __name__, url_prefix="/v1/admin/orders",
                description="Orders (merchant): look-up, shipping, completion, refunds")


@blp.route("")
class Orders(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.arguments(OrderListArgsSchema, location="query")
    @blp.response(200, page_schema(AdminOrderSchema))
    def get(self, args):
        """The tenant's orders, newest first; `status` filters."""
        with unit_of_work() as session:
            return queries.list_orders(session, **args)


@blp.route("/<order_id>")
class OrderDetail(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, AdminOrderSchema)
    def get(self, order_id):
        """One order with its lines, their discount shares and what has been refunded."""
        with unit_of_work() as session:
            return queries.get_order(session, order_id=order_id)


@blp.route("/<order_id>/ship")
class ShipOrder(MethodView):
    @secret_key("admin")
    @blp.arguments(ShipSchema)
    @blp.response(200, AdminOrderSchema)
    def post(self, data, order_id):
        """Ship a paid order; it completes by itself `auto_complete_days` later unless confirmed sooner."""
        with unit_of_work() as session:
            return lifecycle.ship(session, order_id=order_id, **data)


@blp.route("/<order_id>/complete")
class CompleteOrder(MethodView):
    @secret_key("admin")
    @blp.response(200, AdminOrderSchema)
    def post(self, order_id):
        """Complete a shipped order; its after-sales window (`after_sales_days`) opens."""
        with unit_of_work() as session:
            return lifecycle.complete_order(session, order_id=order_id)


@blp.route("/<order_id>/offline-payment")
class ConfirmOfflinePayment(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.response(200, AdminOrderSchema)
    def post(self, order_id):
        """Confirm that an offline order's money arrived: it is paid (409 invalid_state for a Stripe order
        or one not awaiting payment)."""
        with unit_of_work() as session:
            return payments.pay_offline(session, order_id=order_id)


@blp.route("/<order_id>/refunds")
class OrderRefunds(MethodView):
    @idempotent(own_transactions=True)
    @secret_key("admin")
    @blp.arguments(RefundCreateSchema)
    @blp.response(201, RefundSchema)
    @blp.alt_response(409, description="refund_exceeds_paid: more than what is left, per line or per order")
    def post(self, data, order_id):
        """Refund by `amount`, or by `lines` and quantities; no body refunds all that is left.

        Units refunded before the order ships go back to stock. Honours `Idempotency-Key`: a retry,
        even after a crash, finds the refund the key asked for.
        """
        # Refunding owns its transactions: the provider is called between two commits.
        return refunds.issue_refund(order_id=order_id, request_key=request_key(), **data)

    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(RefundSchema))
    def get(self, page, order_id):
        """An order's refunds, newest first."""
        with unit_of_work() as session:
            return queries.list_refunds(session, order_id=order_id, **page)
