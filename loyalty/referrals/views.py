from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.db import unit_of_work
from core.periods import PeriodArgsSchema
from loyalty.referrals import service as referrals
from loyalty.referrals.schemas import (
    AdminReferralArgsSchema,
    AdminReferralPageSchema,
    AdminReferralSchema,
    ReferralPageSchema,
    ReferralReportSchema,
    ReferralSummarySchema,
)
from tenants.auth import consumer, current_customer_id, secret_key

blp = Blueprint("referrals", __name__, url_prefix="/v1", description="Referrals (老带新): invitations and rewards")


@blp.route("/storefront/referrals")
class MyReferrals(MethodView):
    @consumer
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ReferralPageSchema)
    def get(self, page):
        """The customers this consumer brought with their invite code, newest first."""
        with unit_of_work() as session:
            return referrals.list_for_inviter(session, inviter_id=current_customer_id(), **page)


@blp.route("/storefront/referrals/summary")
class MyReferralSummary(MethodView):
    @consumer
    @blp.response(200, ReferralSummarySchema)
    def get(self):
        """How many this consumer invited, how many qualified or were capped, and the points it earned."""
        with unit_of_work() as session:
            return referrals.summary_for_inviter(session, inviter_id=current_customer_id())


@blp.route("/admin/reports/referrals")
class ReferralReport(MethodView):
    @secret_key("admin", "finance")
    @blp.arguments(PeriodArgsSchema, location="query")
    @blp.response(200, ReferralReportSchema)
    def get(self, period):
        """The referral funnel of a period (by when referrals were created): invited, ordered, paid, qualified,
        capped, the rewards' cost, and the top inviters."""
        with unit_of_work() as session:
            return referrals.report(session, **period)


@blp.route("/admin/referrals")
class Referrals(MethodView):
    @secret_key("admin", "finance")
    @blp.arguments(AdminReferralArgsSchema, location="query")
    @blp.response(200, AdminReferralPageSchema)
    def get(self, args):
        """The tenant's referrals, newest first, each with what it was rewarded (and what could not be)."""
        with unit_of_work() as session:
            return referrals.list_referrals(session, **args)


@blp.route("/admin/referrals/<referral_id>")
class ReferralDetail(MethodView):
    @secret_key("admin", "finance")
    @blp.response(200, AdminReferralSchema)
    def get(self, referral_id):
        """One referral: its funnel, its qualification and each reward."""
        with unit_of_work() as session:
            return referrals.get_referral(session, referral_id=referral_id)
