"""Seats: taken at checkout (the two steps orders call through shop/orders/service/group_orders.py), paid, left.

Checkout first reads (`terms_for_order`: the group price, and every refusal a read can decide, so a preview
says the same), then, in the order's transaction, takes the seat (`take_seat`) by updates whose guards decide
races: the group's `live_count < group_size`, the one-seat-per-customer unique key, the per-customer count.
Lock order: SKU rows (stock, taken before), then the group row, then the customer's count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload

from core import clock
from core.errors import InvalidRequest, NotFound
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.checkout import CouponNotApplicable, VoucherNotApplicable
from shop.groupbuy.errors import AlreadyInGroup, GroupBuyLimitReached, GroupBuyNotActive, GroupClosed, GroupFull
from shop.groupbuy.models import Group, GroupBuy, GroupBuyParticipant, GroupBuyPrice, GroupMember
from shop.orders.models import Order
from shop.orders.service.group_orders import GroupTerms

# What payment and leaving return of the group they changed.
GROUP_ROW = (Group.id, Group.campaign_id, Group.leader_customer_id, Group.group_size, Group.status, Group.live_count,
             Group.paid_count, Group.expires_at)


@dataclass(frozen=True)
class SeatTerms(GroupTerms):
    """What the seat step needs besides what the order row carries."""

    customer_id: str = ""
    group_size: int = 0
    per_customer_limit: int | None = None


def terms_for_order(session: Session, *, customer_id: str, lines: list[dict], group_buy: dict,
                    coupon_id: str | None, voucher_code: str | None) -> SeatTerms:
    """The group price of the order's one line, and the refusals a read can decide (their order: docs/decisions.md)."""
    [line] = lines  # the order schema lets a group order have exactly one line
    campaign, price = _campaign_and_price(session, campaign_id=group_buy["campaign_id"], sku_id=line["sku_id"])
    if coupon_id is not None:
        raise CouponNotApplicable("A group order takes no coupon: the group price is its discount")
    if voucher_code is not None:
        raise VoucherNotApplicable("A group order takes no voucher: the group price is its discount")
    if campaign.status != "active":
        raise GroupBuyNotActive(f"This group-buy is {campaign.status}")
    if price is None:
        raise InvalidRequest("This SKU is not part of the group-buy",
                             errors={"json": {"lines": {"0": {"sku_id": ["Not part of this group-buy."]}}}})
    group_id = group_buy.get("group_id")
    if group_id is not None:
        _check_joinable(session, group_id=group_id, campaign_id=campaign.id, customer_id=customer_id)
    if campaign.per_customer_limit is not None and _groups_taken(
            session, campaign_id=campaign.id, customer_id=customer_id) >= campaign.per_customer_limit:
        raise GroupBuyLimitReached(f"You take part in {campaign.per_customer_limit} groups of this group-buy already")
    return SeatTerms(campaign_id=campaign.id, group_id=group_id or new_id("grp"),
                     role="member" if group_id else "leader", group_status="forming" if group_id else "pending",
                     unit_prices={line["sku_id"]: price}, customer_id=customer_id, group_size=campaign.group_size,
                     per_customer_limit=campaign.per_customer_limit)


def take_seat(session: Session, *, order: Order, terms: SeatTerms) -> None:
    """Take the order's seat: a new group with the leader's seat, or a free seat of a forming group."""
    now = clock.now()
    if terms.role == "leader":
        session.add(Group(id=terms.group_id, campaign_id=terms.campaign_id, leader_customer_id=terms.customer_id,
                          group_size=terms.group_size, status="pending", live_count=1, paid_count=0,
                          virtual_filled=False, created_at=now))
        session.add(_member(order, terms, now=now))
        session.flush()
    else:
        # Many customers race for a group's last seats: this guard, not the read in terms_for_order, decides.
        taken = session.execute(
            update(Group)
            .where(Group.id == terms.group_id, Group.status == "forming", Group.live_count < Group.group_size,
                   Group.expires_at > now)
            .values(live_count=Group.live_count + 1).execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            _refuse_seat(session, group_id=terms.group_id)
        # One customer in two tabs: the unique key on live seats, not the read, keeps it to one seat.
        if not _insert_member(session, _member(order, terms, now=now)):
            raise AlreadyInGroup()
    if terms.per_customer_limit is not None:
        _count_participation(session, campaign_id=terms.campaign_id, customer_id=terms.customer_id,
                             limit=terms.per_customer_limit)


def record_payment(session: Session, *, order_id: str, group_id: str):
    """The seat's order was paid: the seat is paid and the group's paid count grows, once. Returns the group's row
    as this payment left it (GROUP_ROW), or None if the payment changes nothing (seen already, or its seat was
    given up before: orders then refund the payment as paid after cancellation)."""
    paid = session.execute(
        update(GroupMember).where(GroupMember.order_id == order_id, GroupMember.status == "held")
        .values(status="paid", paid_at=clock.now()).returning(GroupMember.id)
    ).first()
    if paid is None:
        return None
    # The last two members paying at once both land here: the group row's lock orders them, and each sees
    # the count the other left.
    return session.execute(
        update(Group).where(Group.id == group_id).values(paid_count=Group.paid_count + 1).returning(*GROUP_ROW)
    ).one()


def leave(session: Session, *, order_id: str, group_id: str, seat: str):
    """The seat's order was cancelled unpaid (`seat="held"`) or refunded in full (`seat="paid"`): the customer
    leaves the group and its counts shrink, once. Returns the group's row (GROUP_ROW), or None if nothing
    changed.

    A paid seat leaves only while the group is pending or forming: once it has succeeded or failed, its members
    and counts are final. The seat then stays `paid`, `left_at` records the refund (so it happens once, and a
    leader refunded so earns no commission after), and the customer no longer counts against the limit."""
    if seat == "paid" and not _open_locked(session, group_id=group_id):
        stopped = session.execute(
            update(GroupMember).where(GroupMember.order_id == order_id, GroupMember.status == "paid",
                                      GroupMember.left_at.is_(None))
            .values(left_at=clock.now()).returning(GroupMember.campaign_id, GroupMember.customer_id)
        ).first()
        if stopped is not None:
            _uncount_participation(session, campaign_id=stopped.campaign_id, customer_id=stopped.customer_id)
        return None
    member = session.execute(
        update(GroupMember).where(GroupMember.order_id == order_id, GroupMember.status == seat)
        .values(status="left", left_at=clock.now())
        .returning(GroupMember.campaign_id, GroupMember.customer_id)
    ).first()
    if member is None:
        return None
    counts = {"live_count": Group.live_count - 1}
    if seat == "paid":
        counts["paid_count"] = Group.paid_count - 1
    group = session.execute(update(Group).where(Group.id == group_id).values(**counts).returning(*GROUP_ROW)).one()
    _uncount_participation(session, campaign_id=member.campaign_id, customer_id=member.customer_id)
    return group


def _open_locked(session: Session, *, group_id: str) -> bool:
    """Whether the group is still pending or forming, under its row lock: a success (the last seat's payment,
    or its deadline) either waits for this refund and sees its counts, or went first and is seen here. The
    refund holds its order row already; the group row comes before the seat's row, which only transactions
    holding that same order touch."""
    status = session.scalar(select(Group.status).where(Group.id == group_id).with_for_update())
    return status in ("pending", "forming")


def _uncount_participation(session: Session, *, campaign_id: str, customer_id: str) -> None:
    session.execute(
        update(GroupBuyParticipant)
        .where(GroupBuyParticipant.campaign_id == campaign_id, GroupBuyParticipant.customer_id == customer_id,
               GroupBuyParticipant.groups > 0)
        .values(groups=GroupBuyParticipant.groups - 1).execution_options(synchronize_session=False))


def _campaign_and_price(session: Session, *, campaign_id: str, sku_id: str) -> tuple[GroupBuy, int | None]:
    row = session.execute(
        select(GroupBuy, GroupBuyPrice.price)
        .outerjoin(GroupBuyPrice, (GroupBuyPrice.campaign_id == GroupBuy.id) & (GroupBuyPrice.sku_id == sku_id))
        .where(GroupBuy.id == campaign_id).options(lazyload(GroupBuy.prices))
    ).one_or_none()
    if row is None:
        raise NotFound("No such group-buy")
    return row[0], row[1]


def _check_joinable(session: Session, *, group_id: str, campaign_id: str, customer_id: str) -> None:
    already = exists().where(GroupMember.group_id == Group.id, GroupMember.customer_id == customer_id,
                             GroupMember.status != "left")
    row = session.execute(
        select(Group, already).where(Group.id == group_id).options(lazyload(Group.members))).one_or_none()
    if row is None or row[0].campaign_id != campaign_id:
        raise NotFound("No such group in this group-buy")
    group, member = row
    if member:
        raise AlreadyInGroup()
    if group.status != "forming" or group.expires_at <= clock.now():
        raise GroupClosed(f"This group is {group.status if group.status != 'forming' else 'past its deadline'}")
    if group.live_count >= group.group_size:
        raise GroupFull()


def _refuse_seat(session: Session, *, group_id: str) -> None:
    group = session.execute(select(Group.status, Group.expires_at).where(Group.id == group_id)).one()
    if group.status != "forming" or group.expires_at <= clock.now():
        raise GroupClosed(f"This group is {group.status if group.status != 'forming' else 'past its deadline'}")
    raise GroupFull()


def _groups_taken(session: Session, *, campaign_id: str, customer_id: str) -> int:
    return session.scalar(select(GroupBuyParticipant.groups).where(
        GroupBuyParticipant.campaign_id == campaign_id, GroupBuyParticipant.customer_id == customer_id)) or 0


def _count_participation(session: Session, *, campaign_id: str, customer_id: str, limit: int) -> None:
    # Two checkouts of one customer at once: the conditional upsert, not the read in terms_for_order, decides.
    table = GroupBuyParticipant.__table__
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = builder(table).values(tenant_id=require_tenant_id(), campaign_id=campaign_id,
                                      customer_id=customer_id, groups=1)
    counted = session.execute(statement.on_conflict_do_update(
        index_elements=["tenant_id", "campaign_id", "customer_id"], set_={"groups": table.c.groups + 1},
        where=table.c.groups < limit).returning(table.c.groups)).first()
    if counted is None:
        raise GroupBuyLimitReached(f"You take part in {limit} groups of this group-buy already")


def _member(order: Order, terms: SeatTerms, *, now) -> GroupMember:
    return GroupMember(id=new_id("gbm"), group_id=terms.group_id, campaign_id=terms.campaign_id,
                       customer_id=terms.customer_id, order_id=order.id, role=terms.role, status="held",
                       joined_at=now)


def _insert_member(session: Session, member: GroupMember) -> bool:
    table = GroupMember.__table__
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {column.name: getattr(member, column.key) for column in table.columns}
    values["tenant_id"] = require_tenant_id()
    inserted = session.execute(
        builder(table).values(values)
        # The index's own predicate, as literal text: PostgreSQL infers a partial index only from a predicate
        # that implies it, which a bound parameter does not once psycopg prepares the statement.
        .on_conflict_do_nothing(index_elements=["tenant_id", "group_id", "customer_id"],
                                index_where=text("status <> 'left'"))
        .returning(table.c.id)).first()
    return inserted is not None
