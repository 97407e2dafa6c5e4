"""Distribution over HTTP: the distributor's own view and binding (consumers), the shop's decisions
(admin and finance keys), and commissions and settlement runs (finance and admin keys)."""

from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.csv_export import csv_export
from core.db import unit_of_work
from core.idempotency import idempotent
from shop.distribution import service
from shop.distribution.schemas import (
    ApplySchema,
    BindingSchema,
    BindSchema,
    CommissionListArgsSchema,
    CommissionPageSchema,
    CommissionSchema,
    DistributorAccountSchema,
    DistributorListArgsSchema,
    DistributorPageSchema,
    MyCommissionArgsSchema,
    SettlementPageSchema,
    SettlementSchema,
    TeamArgsSchema,
    TeamPageSchema,
)
from tenants.auth import consumer, current_customer_id, secret_key

storefront = Blueprint("distribution_storefront", __name__, url_prefix="/v1/storefront",
                       description="Distribution (consumers): applying, binding, balance, team")
admin = Blueprint("distribution_admin", __name__, url_prefix="/v1/admin", description="Distributors (merchant)")
finance = Blueprint("distribution_finance", __name__, url_prefix="/v1/finance",
                    description="Commissions and settlement runs (finance)")


@storefront.route("/distributor")
class MyDistributorAccount(MethodView):
    @consumer
    @storefront.arguments(ApplySchema)
    @storefront.response(201, DistributorAccountSchema)
    @storefront.alt_response(200, schema=DistributorAccountSchema, description="The account existed already")
    def post(self, data):
        """Apply to distribute: approved at once (everyone, or spend reached), or pending the shop's decision."""
        with unit_of_work() as session:
            account, decided = service.apply_for_account(session, customer_id=current_customer_id(), **data)
        return account, 201 if decided else 200

    @consumer
    @storefront.response(200, DistributorAccountSchema)
    def get(self):
        """The consumer's account: status, invite code, balance from the ledger, team counts by level."""
        with unit_of_work() as session:
            return service.my_account(session, customer_id=current_customer_id())


@storefront.route("/distributor/commissions")
class MyCommissions(MethodView):
    @consumer
    @storefront.arguments(MyCommissionArgsSchema, location="query")
    @storefront.response(200, CommissionPageSchema)
    def get(self, args):
        """What the consumer earned, newest first."""
        with unit_of_work() as session:
            return service.my_commissions(session, customer_id=current_customer_id(), **args)


@storefront.route("/distributor/team")
class MyTeam(MethodView):
    @consumer
    @storefront.arguments(TeamArgsSchema, location="query")
    @storefront.response(200, TeamPageSchema)
    def get(self, args):
        """Customers bound to the consumer (level 1) or to those of them who distribute (level 2)."""
        with unit_of_work() as session:
            return service.list_team(session, customer_id=current_customer_id(), **args)


@storefront.route("/bindings")
class Bindings(MethodView):
    @consumer
    @storefront.arguments(BindSchema)
    @storefront.response(201, BindingSchema)
    def post(self, data):
        """Bind the consumer to the distributor owning `invite_code` (first_touch keeps an earlier one)."""
        with unit_of_work() as session:
            return service.bind(session, customer_id=current_customer_id(), invite_code=data["invite_code"],
                                source="api")


@admin.route("/distributors")
class Distributors(MethodView):
    @secret_key("admin", "finance")
    @admin.arguments(DistributorListArgsSchema, location="query")
    @admin.response(200, DistributorPageSchema)
    def get(self, args):
        """Distributor accounts newest first; `status=none` lists earners that never applied."""
        with unit_of_work() as session:
            return service.list_distributors(session, **args)


@admin.route("/distributors/<distributor_id>")
class DistributorDetail(MethodView):
    @secret_key("admin", "finance")
    @admin.response(200, DistributorAccountSchema)
    def get(self, distributor_id):
        """One account with its balance and team counts."""
        with unit_of_work() as session:
            return service.get_account_view(session, distributor_id=distributor_id)


def _decision(decision: str, summary: str):
    @secret_key("admin", "finance")
    @admin.response(200, DistributorAccountSchema)
    def post(self, distributor_id):
        with unit_of_work() as session:
            return service.decide(session, distributor_id=distributor_id, decision=decision)

    post.__doc__ = summary
    return type(f"Distributor{decision.title()}", (MethodView,), {"post": post})


for _decision_name, _summary in (
        ("approve", "Approve an applicant (pending, rejected or none); 409 invalid_state otherwise."),
        ("reject", "Reject a pending applicant; 409 invalid_state otherwise."),
        ("suspend", "Suspend an approved distributor: it earns nothing new, keeps what it earned."),
        ("reinstate", "Reinstate a suspended distributor.")):
    admin.route(f"/distributors/<distributor_id>/{_decision_name}")(_decision(_decision_name, _summary))


@finance.route("/commissions")
class Commissions(MethodView):
    @secret_key("finance")
    @finance.arguments(CommissionListArgsSchema, location="query")
    @finance.response(200, CommissionPageSchema)
    @csv_export(CommissionSchema, rows=service.iter_commissions, filename="commissions")
    def get(self, args):
        """Commissions newest first, by status, distributor or order."""
        with unit_of_work() as session:
            return service.list_commissions(session, **args)


@finance.route("/settlements")
class Settlements(MethodView):
    @idempotent
    @secret_key("finance")
    @finance.response(202, SettlementSchema)
    def post(self):
        """Settle every due commission now, in a background job; read the run's status by its id."""
        with unit_of_work() as session:
            return service.request_settlement(session)

    @secret_key("finance")
    @finance.arguments(PageArgsSchema, location="query")
    @finance.response(200, SettlementPageSchema)
    @csv_export(SettlementSchema, rows=service.iter_settlements, filename="settlements")
    def get(self, page):
        """Settlement runs, periodic and on demand, newest first."""
        with unit_of_work() as session:
            return service.list_settlements(session, **page)


@finance.route("/settlements/<settlement_id>")
class SettlementDetail(MethodView):
    @secret_key("finance")
    @finance.response(200, SettlementSchema)
    def get(self, settlement_id):
        """One settlement run: its status, how many commissions and how much it settled."""
        with unit_of_work() as session:
            return service.get_settlement(session, settlement_id=settlement_id)
