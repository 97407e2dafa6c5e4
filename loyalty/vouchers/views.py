import marshmallow as ma
from flask import request
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.csv_export import csv_export
from core.db import unit_of_work
from core.idempotency import idempotent
from loyalty.vouchers import guessing
from loyalty.vouchers import service as vouchers
from loyalty.vouchers.schemas import (
    CodeSchema,
    CodesImportedSchema,
    CodesImportSchema,
    CreatedPoolSchema,
    CustomerVoucherPageSchema,
    EventReceivedSchema,
    GeneratedSchema,
    GenerateSchema,
    PoolCreateSchema,
    PoolGrantResultSchema,
    PoolGrantSchema,
    PoolPageSchema,
    PoolReportSchema,
    PoolSchema,
    PoolUpdateSchema,
    StoreVoucherSchema,
    VerifySchema,
    VoucherListArgsSchema,
    VoucherPageSchema,
    VoucherReportSchema,
)
from tenants.auth import consumer, current_customer_id, current_principal, secret_key

blp = Blueprint("vouchers", __name__, url_prefix="/v1",
                description="Cross-platform vouchers: pools, codes, handing out, store verification, report")
blp.record_once(guessing.remember_app)

webhooks = Blueprint("voucher_webhooks", __name__, url_prefix="/v1/webhooks",
                     description="Voucher platforms' callbacks")

_REFUSALS = ("voucher_not_found (404, counted as a guess), voucher_already_redeemed, voucher_locked, voucher_expired, "
             "voucher_not_yet_valid, voucher_void, voucher_not_issued (409), too_many_attempts (429, Retry-After)")


@blp.route("/admin/voucher-pools")
class VoucherPools(MethodView):
    @secret_key("admin")
    @blp.arguments(PoolCreateSchema)
    @blp.response(201, CreatedPoolSchema)
    def post(self, pool):
        """Create a pool of codes for a platform, to issue or to accept; its `callback_secret` is shown only here."""
        with unit_of_work() as session:
            return vouchers.create_pool(session, **pool)

    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PoolPageSchema)
    def get(self, page):
        """The tenant's voucher pools with their counts, newest first."""
        with unit_of_work() as session:
            return vouchers.list_pools(session, **page)


@blp.route("/admin/voucher-pools/<pool_id>")
class VoucherPool(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, PoolSchema)
    def get(self, pool_id):
        """One pool with its counts."""
        with unit_of_work() as session:
            return vouchers.get_pool(session, pool_id=pool_id, with_counts=True)

    @secret_key("admin")
    @blp.arguments(PoolUpdateSchema)
    @blp.response(200, PoolSchema)
    def patch(self, changes, pool_id):
        """Rename or describe a pool, move its `valid_until`, change its platform settings, or archive it
        (`status: archived`, for good: it issues nothing and its codes are void to every redemption)."""
        with unit_of_work() as session:
            return vouchers.update_pool(session, pool_id=pool_id, **changes)


@blp.route("/admin/voucher-pools/<pool_id>/codes")
class PoolCodes(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.arguments(CodesImportSchema)
    @blp.response(201, CodesImportedSchema)
    def post(self, body, pool_id):
        """Import up to 10,000 codes (normalised: upper case, spaces and '-' removed). Codes the tenant holds
        already are skipped and counted as duplicates; invalid ones are reported by index. For more, use
        `flask --app app vouchers import POOL_ID FILE`."""
        with unit_of_work() as session:
            return vouchers.import_codes(session, pool_id=pool_id, codes=body["codes"])


@blp.route("/admin/voucher-pools/<pool_id>/codes/generate")
class GenerateCodes(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.arguments(GenerateSchema)
    @blp.response(201, GeneratedSchema)
    def post(self, body, pool_id):
        """Generate up to 100,000 unguessable codes (84 random bits and a check character each)."""
        with unit_of_work() as session:
            return vouchers.generate_codes(session, pool_id=pool_id, count=body["count"])


@blp.route("/admin/voucher-pools/<pool_id>/vouchers")
class PoolVouchers(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.arguments(VoucherListArgsSchema, location="query")
    @blp.response(200, VoucherPageSchema)
    def get(self, args, pool_id):
        """A pool's codes, newest first, optionally by status as of now."""
        with unit_of_work() as session:
            return vouchers.list_pool_vouchers(session, pool_id=pool_id, **args)


@blp.route("/admin/voucher-pools/<pool_id>/grants")
class PoolGrants(MethodView):
    @idempotent
    @secret_key("admin")
    @blp.arguments(PoolGrantSchema)
    @blp.response(201, PoolGrantResultSchema)
    @blp.alt_response(409, description="voucher_pool_exhausted (nobody got one), voucher_pool_archived")
    def post(self, body, pool_id):
        """Hand one code of an issue pool to each customer named who holds none of it yet; all or nothing."""
        with unit_of_work() as session:
            return vouchers.grant(session, pool_id=pool_id, customer_ids=body["customer_ids"])


@blp.route("/admin/vouchers/lookup")
class LookupVoucher(MethodView):
    @secret_key("staff")
    @blp.arguments(CodeSchema)
    @blp.response(200, StoreVoucherSchema)
    @blp.alt_response(404, description="voucher_not_found (counts as a guess)")
    @blp.alt_response(429, description="too_many_attempts: too many unknown codes; see Retry-After")
    def post(self, body):
        """Look a code up in store, changing nothing (an unknown code is 404 and counts as a guess)."""
        with unit_of_work() as session:
            return vouchers.lookup(session, code=body["code"], credential=current_principal().id)


@blp.route("/admin/vouchers/verify")
class VerifyVoucher(MethodView):
    @idempotent
    @secret_key("staff")
    @blp.arguments(VerifySchema)
    @blp.response(200, StoreVoucherSchema)
    @blp.alt_response(409, description=_REFUSALS)
    @blp.alt_response(404, description="voucher_not_found (counts as a guess)")
    @blp.alt_response(429, description="too_many_attempts: too many unknown codes; see Retry-After")
    def post(self, body):
        """Redeem a code in store (核销): once, whoever else tries it at the same moment."""
        principal = current_principal()
        with unit_of_work() as session:
            return vouchers.verify(session, code=body["code"], location=body["location"], credential=principal.id,
                                   key_id=principal.key_id)


@blp.route("/admin/vouchers/<voucher_id>")
class Voucher(MethodView):
    @secret_key("admin", "finance", "staff")
    @blp.response(200, StoreVoucherSchema)
    def get(self, voucher_id):
        """One voucher, with its pool."""
        with unit_of_work() as session:
            return vouchers.get_voucher(session, voucher_id=voucher_id)


@blp.route("/admin/vouchers/<voucher_id>/reverse")
class ReverseVoucher(MethodView):
    @idempotent
    @secret_key("staff")
    @blp.response(200, StoreVoucherSchema)
    @blp.alt_response(409, description="invalid_state (not a store redemption), reverse_window_closed")
    def post(self, voucher_id):
        """Take back a store redemption within `vouchers.reverse_window_minutes`; answers the voucher as it was
        before it (a Douyin verification is cancelled there too)."""
        with unit_of_work() as session:
            return vouchers.reverse(session, voucher_id=voucher_id)


@blp.route("/finance/reports/vouchers")
class VoucherReport(MethodView):
    @secret_key("finance")
    @blp.response(200, VoucherReportSchema)
    @csv_export(PoolReportSchema, items="pools", filename="vouchers-report")
    def get(self):
        """Every pool's codes by status, conflicts, and the face value still outstanding."""
        with unit_of_work() as session:
            return vouchers.voucher_report(session)


@blp.route("/storefront/vouchers")
class MyVouchers(MethodView):
    @consumer
    @blp.arguments(VoucherListArgsSchema, location="query")
    @blp.response(200, CustomerVoucherPageSchema)
    def get(self, args):
        """The vouchers handed to the consumer, newest first, optionally by status as of now."""
        with unit_of_work() as session:
            return vouchers.list_customer_vouchers(session, customer_id=current_customer_id(), **args)


class PlatformAnswerSchema(EventReceivedSchema):
    challenge = ma.fields.String(metadata={"description": "Douyin's URL check, answered"})


@webhooks.route("/vouchers/<pool_id>")
class VoucherCallback(MethodView):
    @webhooks.response(200, EventReceivedSchema)
    @webhooks.alt_response(400, description="invalid_signature: Fission-Signature missing, wrong or older than 300 s")
    def post(self, pool_id):
        """A platform's signed event about one of the pool's codes (`voucher.redeemed`, `voucher.reversed`).

        `Fission-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed by the pool's
        `callback_secret`. Each event `id` takes effect once; a code the pool does not hold is acknowledged."""
        with unit_of_work() as session:
            outcome = vouchers.receive_callback(session, pool_id=pool_id, payload=request.get_data(),
                                                signature=request.headers.get("Fission-Signature", ""))
        return {"received": True, "outcome": outcome}


@webhooks.route("/douyin/<pool_id>")
class DouyinNotification(MethodView):
    @webhooks.response(200, PlatformAnswerSchema)
    @webhooks.alt_response(400, description="invalid_signature: X-Douyin-Signature does not match")
    def post(self, pool_id):
        """Douyin's certificate notifications for a Douyin pool (verify, verify_cancel, refund_success), signed
        `X-Douyin-Signature` = sha1(client secret + body) and deduplicated on `Msg-Id`."""
        with unit_of_work() as session:
            return vouchers.receive_platform_notification(session, pool_id=pool_id, headers=request.headers,
                                                          payload=request.get_data())
