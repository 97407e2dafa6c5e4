"""Campaigns: created by the merchant, listed to consumers with their open groups, ended early on demand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload

from core import clock, jobs
from core.api import Page
from core.errors import InvalidRequest, InvalidState, NotFound
from core.ids import new_id
from core.pagination import paginate
from core.tenancy import require_tenant_id
from shop.catalog import service as catalog
from shop.catalog.models import Product
from shop.groupbuy.models import Group, GroupBuy, GroupBuyPrice
from shop.groupbuy.schemas import MAX_RATE_PLACES
from tenants.platform.models import Tenant

# Open groups shown with a campaign: enough to pick one to join, never unbounded.
OPEN_GROUPS_SHOWN = 20
RESOLVE_BATCH = 500


def create_campaign(session: Session, *, product_id: str, prices: list[dict], group_size: int,
                    time_limit_minutes: int, ends_at: datetime, starts_at: datetime | None = None,
                    per_customer_limit: int | None = None, virtual_fill_threshold: Decimal | None = None,
                    leader_commission_rate: Decimal = Decimal("0")) -> GroupBuy:
    """Create a campaign of one product's SKUs at group prices; its groups are resolved when it ends."""
    product = catalog.get_product(session, product_id=product_id)
    if product.status != "active":
        raise InvalidRequest("An archived product cannot be sold in a group-buy",
                             errors={"json": {"product_id": ["The product is archived."]}})
    own = {sku.id for sku in product.skus}
    strangers = {str(index): {"sku_id": ["Not a SKU of this product."]}
                 for index, price in enumerate(prices) if price["sku_id"] not in own}
    if strangers:
        raise InvalidRequest("Every price must be for a SKU of the product", errors={"json": {"prices": strangers}})
    now = clock.now()
    starts_at = starts_at or now
    if ends_at <= starts_at or ends_at <= now:
        raise InvalidRequest("The campaign must end after it starts, and in the future",
                             errors={"json": {"ends_at": ["Must be after starts_at and in the future."]}})
    campaign = GroupBuy(
        id=new_id("gby"), product_id=product.id, currency=session.get(Tenant, require_tenant_id()).currency,
        group_size=group_size, time_limit_minutes=time_limit_minutes, starts_at=starts_at, ends_at=ends_at,
        per_customer_limit=per_customer_limit, created_at=now,
        virtual_fill_threshold=None if virtual_fill_threshold is None else _decimal_text(virtual_fill_threshold),
        leader_commission_rate=_decimal_text(leader_commission_rate),
    )
    campaign.prices = [GroupBuyPrice(sku_id=price["sku_id"], position=position, price=price["price"])
                       for position, price in enumerate(prices)]
    session.add(campaign)
    session.flush()
    # When the window closes by itself, every group still open is resolved as at its deadline.
    jobs.enqueue(session, "groupbuy.end_campaign", key=f"group_buy:{campaign.id}:end", run_at=ends_at,
                 campaign_id=campaign.id)
    return campaign


def _decimal_text(value: Decimal) -> str:
    """A rate as the decimal text the client sent ("0.60" stays "0.60"), in plain notation ("6E-1" -> "0.6",
    never "1E-7"). Only zeros past the sixth decimal place (the most a rate may have) are dropped, so the
    text always fits its column: "0.6000000000" -> "0.600000"."""
    value = Decimal(value)
    if value.as_tuple().exponent < -MAX_RATE_PLACES:
        value = value.quantize(Decimal(1).scaleb(-MAX_RATE_PLACES))  # exact: the schema refused more places
    return format(value, "f")


def list_campaigns(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """The tenant's campaigns, newest first."""
    return paginate(session, select(GroupBuy), id_column=GroupBuy.id, limit=limit, starting_after=starting_after)


def get_campaign(session: Session, *, campaign_id: str) -> GroupBuy:
    campaign = session.scalars(select(GroupBuy).where(GroupBuy.id == campaign_id)).one_or_none()
    if campaign is None:
        raise NotFound("No such group-buy")
    return campaign


def end_campaign(session: Session, *, campaign_id: str) -> GroupBuy:
    """End a campaign now: nobody starts or joins a group any more, and a job resolves every group still open
    as at its deadline (virtual fill or failure)."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    now = clock.now()
    ended = session.execute(
        update(GroupBuy).where(GroupBuy.id == campaign.id, GroupBuy.ended_at.is_(None), GroupBuy.ends_at > now)
        .values(ended_at=now).execution_options(synchronize_session="fetch")
    ).rowcount
    if not ended:
        raise InvalidState("This group-buy has ended already")
    jobs.enqueue(session, "groupbuy.end_campaign", key=f"group_buy:{campaign.id}:ended", campaign_id=campaign.id)
    return campaign


def resolve_open_groups(session: Session, *, campaign_id: str, after: str | None = None) -> None:
    """An ended campaign's groups still pending or forming each get a resolution job, a batch at a time."""
    campaign = session.scalars(select(GroupBuy).where(GroupBuy.id == campaign_id)).one_or_none()
    if campaign is None or campaign.status != "ended":
        return
    query = select(Group.id).where(Group.campaign_id == campaign_id, Group.status.in_(("pending", "forming")))
    if after is not None:
        query = query.where(Group.id > after)
    group_ids = list(session.scalars(query.order_by(Group.id).limit(RESOLVE_BATCH)))
    for group_id in group_ids:
        jobs.enqueue(session, "groupbuy.resolve_group", key=f"group:{group_id}:resolve:campaign-end",
                     group_id=group_id)
    if len(group_ids) == RESOLVE_BATCH:
        jobs.enqueue(session, "groupbuy.end_campaign", key=f"group_buy:{campaign_id}:end:after:{group_ids[-1]}",
                     campaign_id=campaign_id, after=group_ids[-1])


def list_active_campaigns(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """Campaigns running now, of products still for sale, newest first."""
    now = clock.now()
    query = (select(GroupBuy).join(Product, Product.id == GroupBuy.product_id)
             .where(Product.status == "active", GroupBuy.starts_at <= now, GroupBuy.ends_at > now,
                    GroupBuy.ended_at.is_(None)))
    return paginate(session, query, id_column=GroupBuy.id, limit=limit, starting_after=starting_after)


def get_campaign_on_shelf(session: Session, *, campaign_id: str) -> GroupBuy:
    """A campaign of a product still for sale (whatever its status, so a shared link says it has ended), with
    its open groups: forming, a seat free, before their deadline, the fullest first."""
    campaign = session.scalars(
        select(GroupBuy).join(Product, Product.id == GroupBuy.product_id)
        .where(GroupBuy.id == campaign_id, Product.status == "active")
    ).one_or_none()
    if campaign is None:
        raise NotFound("No such group-buy")
    campaign.open_groups = [] if campaign.status != "active" else list(session.scalars(
        select(Group).where(Group.campaign_id == campaign.id, Group.status == "forming",
                            Group.live_count < Group.group_size, Group.expires_at > clock.now())
        .order_by((Group.group_size - Group.live_count), Group.expires_at, Group.id)
        .limit(OPEN_GROUPS_SHOWN).options(lazyload(Group.members))))
    return campaign
