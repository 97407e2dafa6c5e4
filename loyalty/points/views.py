from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.csv_export import csv_export
from core.db import unit_of_work
from core.idempotency import idempotent
from loyalty.points import service as points
from loyalty.points.schemas import (
    AdjustmentSchema,
    PointsEntryPageSchema,
    PointsEntrySchema,
    PointsReportSchema,
    PointsSummarySchema,
)
from tenants.auth import consumer, current_customer_id, secret_key

blp = Blueprint("points", __name__, url_prefix="/v1", description="Points: balance, ledger, adjustments, report")


@blp.route("/storefront/points")
class MyPoints(MethodView):
    @consumer
    @blp.response(200, PointsSummarySchema)
    def get(self):
        """The consumer's balance, pending, held and debt, and what expires in the next 30 days."""
        with unit_of_work() as session:
            return points.summary(session, customer_id=current_customer_id())


@blp.route("/storefront/points/entries")
class MyPointsEntries(MethodView):
    @consumer
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PointsEntryPageSchema)
    def get(self, page):
        """The consumer's points ledger, newest first."""
        with unit_of_work() as session:
            return points.list_entries(session, customer_id=current_customer_id(), **page)


@blp.route("/admin/customers/<customer_id>/points")
class CustomerPoints(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, PointsSummarySchema)
    def get(self, customer_id):
        """A customer's balance, pending, held and debt."""
        with unit_of_work() as session:
            return points.customer_summary(session, customer_id=customer_id)


@blp.route("/admin/customers/<customer_id>/points/entries")
class CustomerPointsEntries(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PointsEntryPageSchema)
    def get(self, page, customer_id):
        """A customer's points ledger, newest first."""
        with unit_of_work() as session:
            return points.customer_entries(session, customer_id=customer_id, **page)


@blp.route("/admin/customers/<customer_id>/points/adjustments")
class PointsAdjustments(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.arguments(AdjustmentSchema)
    @blp.response(201, PointsEntrySchema)
    def post(self, adjustment, customer_id):
        """Add points (a new lot) or take them away (never below zero: 409 insufficient_points), with a reason."""
        with unit_of_work() as session:
            return points.adjust(session, customer_id=customer_id, **adjustment)


@blp.route("/finance/reports/points")
class PointsReport(MethodView):
    @secret_key("finance")
    @blp.response(200, PointsReportSchema)
    @csv_export(PointsReportSchema, filename="points-report")
    def get(self):
        """Points issued, pending, spent, expired, reversed and outstanding, and the outstanding liability."""
        with unit_of_work() as session:
            return points.points_report(session)
