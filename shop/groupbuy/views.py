"""Group-buy over HTTP: campaigns and their groups for the merchant, campaigns and groups for consumers.

Ordering is the normal checkout (`POST /v1/storefront/orders` with `group_buy`)."""

from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.db import unit_of_work
from shop.groupbuy import service
from shop.groupbuy.schemas import (
    AdminGroupPageSchema,
    GroupBuyCreateSchema,
    GroupBuyOnShelfSchema,
    GroupBuyPageSchema,
    GroupBuySchema,
    GroupListArgsSchema,
    GroupSchema,
    StorefrontGroupBuyPageSchema,
)
from tenants.auth import consumer, secret_key, storefront

admin = Blueprint("groupbuy_admin", __name__, url_prefix="/v1/admin/group-buys",
                  description="Group-buy campaigns and their groups (merchant)")
shelf = Blueprint("groupbuy_storefront", __name__, url_prefix="/v1/storefront",
                  description="Group-buys and groups (consumers)")


@admin.route("")
class Campaigns(MethodView):
    @secret_key("admin")
    @admin.arguments(GroupBuyCreateSchema)
    @admin.response(201, GroupBuySchema)
    @admin.alt_response(404, description="not_found: no such product")
    def post(self, data):
        """Create a campaign: a product's SKUs at group prices, the group size and time limit, its window,
        the per-customer limit, the virtual-fill threshold and the leader's commission rate.

        A price for a SKU of another product, a product that is archived, or a window that ends before it
        starts or in the past is 422. The status follows the window by itself.
        """
        with unit_of_work() as session:
            return service.create_campaign(session, **data)

    @secret_key("admin", "finance", "staff")
    @admin.arguments(PageArgsSchema, location="query")
    @admin.response(200, GroupBuyPageSchema)
    def get(self, page):
        """The tenant's campaigns, newest first."""
        with unit_of_work() as session:
            return service.list_campaigns(session, **page)


@admin.route("/<group_buy_id>")
class CampaignDetail(MethodView):
    @secret_key("admin", "finance", "staff")
    @admin.response(200, GroupBuySchema)
    def get(self, group_buy_id):
        """One campaign."""
        with unit_of_work() as session:
            return service.get_campaign(session, campaign_id=group_buy_id)


@admin.route("/<group_buy_id>/groups")
class CampaignGroups(MethodView):
    @secret_key("admin", "finance", "staff")
    @admin.arguments(GroupListArgsSchema, location="query")
    @admin.response(200, AdminGroupPageSchema)
    def get(self, args, group_buy_id):
        """A campaign's groups newest first, with their members; `status` filters."""
        with unit_of_work() as session:
            return service.list_groups(session, campaign_id=group_buy_id, **args)


@admin.route("/<group_buy_id>/end")
class EndCampaign(MethodView):
    @secret_key("admin")
    @admin.response(202, GroupBuySchema)
    @admin.alt_response(409, description="invalid_state: the campaign has ended already")
    def post(self, group_buy_id):
        """End the campaign now; jobs then resolve each group still open as at its deadline (a virtual fill
        where the threshold is met, else a failure: paid orders refunded, unpaid ones cancelled)."""
        with unit_of_work() as session:
            return service.end_campaign(session, campaign_id=group_buy_id)


@shelf.route("/group-buys")
class ActiveCampaigns(MethodView):
    @storefront
    @shelf.arguments(PageArgsSchema, location="query")
    @shelf.response(200, StorefrontGroupBuyPageSchema)
    def get(self, page):
        """Group-buys running now, newest first."""
        with unit_of_work() as session:
            return service.list_active_campaigns(session, **page)


@shelf.route("/group-buys/<group_buy_id>")
class CampaignOnShelf(MethodView):
    @storefront
    @shelf.response(200, GroupBuyOnShelfSchema)
    def get(self, group_buy_id):
        """A group-buy with its open groups (forming, with a free seat), fewest seats left first."""
        with unit_of_work() as session:
            return service.get_campaign_on_shelf(session, campaign_id=group_buy_id)


@shelf.route("/groups/<group_id>")
class GroupDetail(MethodView):
    @consumer
    @shelf.response(200, GroupSchema)
    def get(self, group_id):
        """A group, for any consumer of the shop (groups are shared to invite friends): its status, seats and
        the members holding them."""
        with unit_of_work() as session:
            return service.get_group(session, group_id=group_id)
