from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.db import unit_of_work
from core.idempotency import idempotent
from loyalty.coupons import service as coupons
from loyalty.coupons.schemas import (
    CouponListArgsSchema,
    CouponPageSchema,
    CouponSchema,
    CouponTemplateCreateSchema,
    CouponTemplatePageSchema,
    CouponTemplateSchema,
    GrantResultSchema,
    GrantSchema,
)
from tenants.auth import consumer, current_customer_id, secret_key, storefront

blp = Blueprint("coupons", __name__, url_prefix="/v1", description="Coupon templates, claims, grants, coupons")


@blp.route("/admin/coupon-templates")
class CouponTemplates(MethodView):
    @secret_key("admin")
    @blp.arguments(CouponTemplateCreateSchema)
    @blp.response(201, CouponTemplateSchema)
    def post(self, terms):
        """Create a coupon template: amount or percent off, scope, window or days after issue, limits."""
        with unit_of_work() as session:
            return coupons.create_template(session, **terms)

    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CouponTemplatePageSchema)
    def get(self, page):
        """The tenant's coupon templates, newest first."""
        with unit_of_work() as session:
            return coupons.list_templates(session, **page)


@blp.route("/admin/coupon-templates/<template_id>")
class CouponTemplate(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, CouponTemplateSchema)
    def get(self, template_id):
        """One coupon template, with how many were issued."""
        with unit_of_work() as session:
            return coupons.get_template(session, template_id=template_id)


@blp.route("/admin/coupon-templates/<template_id>/grants")
class CouponGrants(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.arguments(GrantSchema)
    @blp.response(201, GrantResultSchema)
    def post(self, grant, template_id):
        """Issue one coupon to each customer named, within the template's limits; the rest are skipped."""
        with unit_of_work() as session:
            return coupons.grant(session, template_id=template_id, customer_ids=grant["customer_ids"])


@blp.route("/admin/coupons/<coupon_id>/void")
class VoidCoupon(MethodView):
    @secret_key("admin")
    @blp.response(200, CouponSchema)
    def post(self, coupon_id):
        """Withdraw an available coupon (409 invalid_state once it is locked, used, expired or void)."""
        with unit_of_work() as session:
            return coupons.void(session, coupon_id=coupon_id)


@blp.route("/storefront/coupon-templates")
class ClaimableTemplates(MethodView):
    @storefront
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CouponTemplatePageSchema)
    def get(self, page):
        """Templates consumers may claim now (not grant-only, window open, not sold out), newest first."""
        with unit_of_work() as session:
            return coupons.list_claimable_templates(session, **page)


@blp.route("/storefront/coupon-templates/<template_id>/claim")
class ClaimCoupon(MethodView):
    @idempotent
    @consumer
    @blp.response(201, CouponSchema)
    def post(self, template_id):
        """Claim a coupon: 409 coupon_sold_out, coupon_limit_reached, or coupon_expired after its window."""
        with unit_of_work() as session:
            return coupons.claim(session, template_id=template_id, customer_id=current_customer_id())


@blp.route("/storefront/coupons")
class MyCoupons(MethodView):
    @consumer
    @blp.arguments(CouponListArgsSchema, location="query")
    @blp.response(200, CouponPageSchema)
    def get(self, args):
        """The consumer's coupons, newest first, optionally by status as of now."""
        with unit_of_work() as session:
            return coupons.list_coupons(session, customer_id=current_customer_id(), **args)
