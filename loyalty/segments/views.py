from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.db import unit_of_work
from core.idempotency import idempotent
from loyalty.segments import service
from loyalty.segments.schemas import (
    CampaignCreateSchema,
    CampaignPageSchema,
    CampaignSchema,
    DryRunSchema,
    PreviewSchema,
    RefreshSchema,
    SegmentCreateSchema,
    SegmentPageSchema,
    SegmentSchema,
    TagAddedSchema,
    TagCreateSchema,
    TagCustomersSchema,
    TagPageSchema,
    TagSchema,
)
from tenants.auth import secret_key

blp = Blueprint("segments", __name__, url_prefix="/v1/admin",
                description="Lifecycle stages, RFM, tags, segments and targeted campaigns")


@blp.route("/lifecycle/refresh")
class LifecycleRefresh(MethodView):
    @secret_key("admin")
    @blp.response(202, RefreshSchema)
    def post(self):
        """Refresh every customer's stage and RFM scores and every rule tag now (a job; 202)."""
        with unit_of_work() as session:
            return service.request_refresh(session)


@blp.route("/tags")
class Tags(MethodView):
    @secret_key("admin")
    @blp.arguments(TagCreateSchema)
    @blp.response(201, TagSchema)
    def post(self, terms):
        """Create a manual tag, or a rule tag whose members are computed now; 409 name_taken."""
        with unit_of_work() as session:
            return service.create_tag(session, **terms)

    @secret_key("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TagPageSchema)
    def get(self, page):
        """The tenant's tags, newest first, with their member counts."""
        with unit_of_work() as session:
            return service.list_tags(session, **page)


@blp.route("/tags/<tag_id>")
class TagDetail(MethodView):
    @secret_key("admin")
    @blp.response(200, TagSchema)
    def get(self, tag_id):
        """One tag with its member count."""
        with unit_of_work() as session:
            return service.get_tag(session, tag_id=tag_id)


@blp.route("/tags/<tag_id>/customers")
class TagCustomers(MethodView):
    @secret_key("admin")
    @blp.arguments(TagCustomersSchema)
    @blp.response(200, TagAddedSchema)
    def post(self, body, tag_id):
        """Add customers to a manual tag (adding twice is harmless); 409 invalid_state on a rule tag."""
        with unit_of_work() as session:
            return service.add_customers(session, tag_id=tag_id, customer_ids=body["customer_ids"])


@blp.route("/tags/<tag_id>/customers/<customer_id>")
class TagCustomer(MethodView):
    @secret_key("admin")
    @blp.response(204)
    def delete(self, tag_id, customer_id):
        """Take a customer out of a manual tag; 409 invalid_state on a rule tag."""
        with unit_of_work() as session:
            service.remove_customer(session, tag_id=tag_id, customer_id=customer_id)


@blp.route("/tags/<tag_id>/refresh")
class TagRefresh(MethodView):
    @secret_key("admin")
    @blp.response(200, TagSchema)
    def post(self, tag_id):
        """Recompute a rule tag's members now; 409 invalid_state on a manual tag."""
        with unit_of_work() as session:
            return service.refresh_tag(session, tag_id=tag_id)


@blp.route("/segments")
class Segments(MethodView):
    @secret_key("admin")
    @blp.arguments(SegmentCreateSchema)
    @blp.response(201, SegmentSchema)
    def post(self, terms):
        """Create a segment: a named rule (422 with errors keyed by the bad part's path)."""
        with unit_of_work() as session:
            return service.create_segment(session, **terms)

    @secret_key("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, SegmentPageSchema)
    def get(self, page):
        """The tenant's segments, newest first."""
        with unit_of_work() as session:
            return service.list_segments(session, **page)


@blp.route("/segments/<segment_id>")
class SegmentDetail(MethodView):
    @secret_key("admin")
    @blp.response(200, SegmentSchema)
    def get(self, segment_id):
        """One segment."""
        with unit_of_work() as session:
            return service.get_segment(session, segment_id=segment_id)


@blp.route("/segments/<segment_id>/preview")
class SegmentPreview(MethodView):
    @secret_key("admin")
    @blp.response(200, PreviewSchema)
    def get(self, segment_id):
        """How many customers the segment holds now, and up to 20 of their ids; changes nothing."""
        with unit_of_work() as session:
            return service.preview(session, segment_id=segment_id)


@blp.route("/campaigns")
class Campaigns(MethodView):
    @secret_key("admin")
    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignSchema)
    def post(self, terms):
        """Create a draft campaign granting a coupon or points to a segment's members."""
        with unit_of_work() as session:
            return service.create_campaign(session, **terms)

    @secret_key("admin", "finance")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CampaignPageSchema)
    def get(self, page):
        """The tenant's campaigns, newest first, with their progress and outcome."""
        with unit_of_work() as session:
            return service.list_campaigns(session, **page)


@blp.route("/campaigns/<campaign_id>")
class CampaignDetail(MethodView):
    @secret_key("admin", "finance")
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """One campaign: status, granted and skipped, and the outcome of its coupons (redeemed, orders, revenue)."""
        with unit_of_work() as session:
            return service.get_campaign(session, campaign_id=campaign_id)


@blp.route("/campaigns/<campaign_id>/dry-run")
class CampaignDryRun(MethodView):
    @secret_key("admin", "finance")
    @blp.response(200, DryRunSchema)
    def post(self, campaign_id):
        """Who the campaign would reach now and what it would cost; changes nothing."""
        with unit_of_work() as session:
            return service.dry_run(session, campaign_id=campaign_id)


@blp.route("/campaigns/<campaign_id>/launch")
class CampaignLaunch(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.response(202, CampaignSchema)
    def post(self, campaign_id):
        """Launch a draft campaign: a job grants to the segment's members as of now, in batches (202);
        409 invalid_state once launched."""
        with unit_of_work() as session:
            return service.launch(session, campaign_id=campaign_id)
