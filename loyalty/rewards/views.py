from flask import request
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.db import unit_of_work
from core.idempotency import HEADER, idempotent
from loyalty.rewards import service as rewards
from loyalty.rewards.schemas import ExchangeSchema, RewardCreateSchema, RewardPageSchema, RewardSchema
from tenants.auth import consumer, current_customer_id, secret_key, storefront

blp = Blueprint("rewards", __name__, url_prefix="/v1", description="The points mall")


@blp.route("/admin/rewards")
class Rewards(MethodView):
    @secret_key("admin")
    @blp.arguments(RewardCreateSchema)
    @blp.response(201, RewardSchema)
    def post(self, reward):
        """Offer a coupon template in the points mall for a price in points, with optional stock and limit."""
        with unit_of_work() as session:
            return rewards.create_reward(session, **reward)

    @secret_key("admin", "finance", "staff")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, RewardPageSchema)
    def get(self, page):
        """Every reward, newest first."""
        with unit_of_work() as session:
            return rewards.list_rewards(session, in_stock_only=False, **page)


@blp.route("/storefront/rewards")
class StorefrontRewards(MethodView):
    @storefront
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, RewardPageSchema)
    def get(self, page):
        """Rewards with stock left, newest first."""
        with unit_of_work() as session:
            return rewards.list_rewards(session, in_stock_only=True, **page)


@blp.route("/storefront/rewards/<reward_id>/exchange")
class ExchangeReward(MethodView):
    @idempotent
    @consumer
    @blp.response(201, ExchangeSchema)
    def post(self, reward_id):
        """Spend points on a reward's coupon, all or nothing: 409 insufficient_points, reward_sold_out or
        reward_limit_reached. Send an Idempotency-Key: a retry then never spends twice."""
        with unit_of_work() as session:
            return rewards.exchange(session, reward_id=reward_id, customer_id=current_customer_id(),
                                    request_key=request.headers.get(HEADER))
