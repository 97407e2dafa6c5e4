"""The points mall: rewards that cost points and issue a coupon or hand out a voucher code; exchanges are all
or nothing."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import clock
from core.api import Page
from core.db import insert_ignoring_conflicts
from core.errors import DomainError, InvalidRequest, NotFound
from core.ids import new_id
from core.pagination import paginate
from core.tenancy import require_tenant_id
from loyalty.coupons import service as coupons
from loyalty.coupons.models import CouponTemplate
from loyalty.errors import CouponExpired, CouponSoldOut, RewardLimitReached, RewardSoldOut
from loyalty.points import service as points
from loyalty.rewards.models import Reward, RewardCustomerCount, RewardExchange
from loyalty.vouchers import service as vouchers
from loyalty.vouchers.errors import VoucherExpired, VoucherPoolArchived, VoucherPoolExhausted
from loyalty.vouchers.models import VoucherPool


def create_reward(session: Session, *, name: str, points_cost: int, coupon_template_id: str | None = None,
                  voucher_pool_id: str | None = None, stock: int | None = None,
                  per_customer_limit: int | None = None) -> Reward:
    """Put a coupon template, or the codes of an issue voucher pool, in the points mall at a price in points."""
    template = pool = None
    if coupon_template_id is not None:
        template = session.scalars(select(CouponTemplate).where(CouponTemplate.id == coupon_template_id)).one_or_none()
        if template is None:
            raise InvalidRequest("No such coupon template",
                                 errors={"json": {"coupon_template_id": ["No such coupon template."]}})
    else:
        pool = _pool_to_offer(session, pool_id=voucher_pool_id)
    reward = Reward(id=new_id("rwd"), name=name, points_cost=points_cost, coupon_template_id=coupon_template_id,
                    voucher_pool_id=voucher_pool_id, stock=stock, per_customer_limit=per_customer_limit,
                    exchanged_count=0, created_at=clock.now())
    session.add(reward)
    session.flush()
    set_committed_value(reward, "coupon_template", template)
    set_committed_value(reward, "voucher_pool", pool)
    return reward


def _pool_to_offer(session: Session, *, pool_id: str) -> VoucherPool:
    try:
        pool = vouchers.get_pool(session, pool_id=pool_id)
    except NotFound as error:
        raise InvalidRequest("No such voucher pool",
                             errors={"json": {"voucher_pool_id": ["No such voucher pool."]}}) from error
    if pool.direction != "issue":
        raise InvalidRequest("Only an issue pool's codes can be handed out",
                             errors={"json": {"voucher_pool_id": ["Not an issue pool."]}})
    if pool.status == "archived":
        raise VoucherPoolArchived()
    return pool


def list_rewards(session: Session, *, in_stock_only: bool, limit: int, starting_after: str | None) -> Page:
    """Rewards, newest first; for consumers only those with stock left (and whose voucher pool is active)."""
    query = select(Reward)
    if in_stock_only:
        query = query.where(Reward.stock.is_(None) | (Reward.stock > 0)).where(or_(
            Reward.voucher_pool_id.is_(None),
            Reward.voucher_pool_id.in_(select(VoucherPool.id).where(VoucherPool.status == "active"))))
    return paginate(session, query, id_column=Reward.id, limit=limit, starting_after=starting_after)


def exchange(session: Session, *, reward_id: str, customer_id: str, request_key: str | None = None) -> RewardExchange:
    """Spend a reward's points on its coupon or voucher code, all or nothing: 409 reward_sold_out (no code or
    coupon left), reward_limit_reached, insufficient_points or voucher_pool_archived change nothing. A retry
    with the same request key returns the first exchange."""
    if request_key is None:
        return _exchange(session, reward_id=reward_id, customer_id=customer_id, request_key=None)
    earlier = _earlier(session, customer_id=customer_id, request_key=request_key)
    if earlier is not None:
        return earlier
    # Two requests with one key may both get past that look (a retry racing the first attempt): the first to
    # commit wins; the other waits behind its locks, then fails on the unique key (or finds the points
    # gone). Its work is undone to the savepoint, and it answers with the exchange the first one made.
    try:
        with session.begin_nested():
            return _exchange(session, reward_id=reward_id, customer_id=customer_id, request_key=request_key)
    except (IntegrityError, DomainError):
        earlier = _earlier(session, customer_id=customer_id, request_key=request_key)
        if earlier is None:
            raise
        return earlier


def _earlier(session: Session, *, customer_id: str, request_key: str) -> RewardExchange | None:
    return session.scalars(select(RewardExchange).where(
        RewardExchange.customer_id == customer_id, RewardExchange.request_key == request_key)).one_or_none()


def _exchange(session: Session, *, reward_id: str, customer_id: str, request_key: str | None) -> RewardExchange:
    reward = session.scalars(select(Reward).where(Reward.id == reward_id)).one_or_none()
    if reward is None:
        raise NotFound("No such reward")
    if reward.voucher_pool is not None and reward.voucher_pool.status == "archived":
        raise VoucherPoolArchived()
    _take_one_from_stock(session, reward)
    if reward.per_customer_limit is not None:
        _count_for_customer(session, reward, customer_id)
    exchange_id = new_id("rex")
    points.spend(session, customer_id=customer_id, points=reward.points_cost, kind="exchange",
                 source=f"exchange:{exchange_id}")
    coupon, voucher = _prize(session, reward=reward, customer_id=customer_id)
    record = RewardExchange(id=exchange_id, reward_id=reward.id, customer_id=customer_id,
                            coupon_id=coupon.id if coupon else None, voucher_id=voucher.id if voucher else None,
                            points_spent=reward.points_cost, request_key=request_key, created_at=clock.now())
    session.add(record)
    session.flush()
    set_committed_value(record, "coupon", coupon)
    set_committed_value(record, "voucher", voucher)
    return record


def _prize(session: Session, *, reward: Reward, customer_id: str) -> tuple:
    """What the exchange gives: (coupon, None) or (None, voucher); RewardSoldOut when none is left."""
    try:
        if reward.voucher_pool_id is not None:
            return None, vouchers.hand_out(session, pool_id=reward.voucher_pool_id, customer_id=customer_id,
                                           via="exchange")
        return coupons.issue(session, template=reward.coupon_template, customer_id=customer_id, source="exchange",
                             per_customer_limit=False), None
    except (CouponSoldOut, CouponExpired, VoucherPoolExhausted, VoucherExpired) as error:
        raise RewardSoldOut() from error


def _take_one_from_stock(session: Session, reward: Reward) -> None:
    # Exchanges may race for the last unit: the guard, not a prior read, decides (NULL stock is unlimited,
    # and NULL - 1 stays NULL).
    taken = session.execute(
        update(Reward).where(Reward.id == reward.id, Reward.stock.is_(None) | (Reward.stock > 0))
        .values(stock=Reward.stock - 1, exchanged_count=Reward.exchanged_count + 1)
    ).rowcount
    if not taken:
        raise RewardSoldOut()


def _count_for_customer(session: Session, reward: Reward, customer_id: str) -> None:
    insert_ignoring_conflicts(
        session, RewardCustomerCount.__table__,
        {"tenant_id": require_tenant_id(), "reward_id": reward.id, "customer_id": customer_id, "exchanged": 0},
        index_elements=["tenant_id", "reward_id", "customer_id"],
    )
    # One customer's exchanges may race for their last allowance: the guarded counter decides.
    counted = session.execute(
        update(RewardCustomerCount)
        .where(RewardCustomerCount.reward_id == reward.id, RewardCustomerCount.customer_id == customer_id,
               RewardCustomerCount.exchanged < reward.per_customer_limit)
        .values(exchanged=RewardCustomerCount.exchanged + 1)
    ).rowcount
    if not counted:
        raise RewardLimitReached()
