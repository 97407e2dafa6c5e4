"""Group-buy jobs: a group's deadline, a campaign's end, unwinding a failed group, telling orders a status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.jobs import job
from shop.groupbuy import service
from shop.orders.service import group_orders


@job("groupbuy.resolve_group")
def resolve_group(session: Session, *, group_id: str) -> None:
    """At a group's deadline (or its campaign's end): success, virtual fill or failure, once (guarded on status,
    under the group's row lock; a second delivery finds it resolved)."""
    service.resolve(session, group_id=group_id)


@job("groupbuy.end_campaign")
def end_campaign(session: Session, *, campaign_id: str, after: str | None = None) -> None:
    """A campaign ended (its window closed, or the merchant ended it): each open group gets a resolution job."""
    service.resolve_open_groups(session, campaign_id=campaign_id, after=after)


@job("groupbuy.unwind_group", own_transactions=True)
def unwind_group(*, group_id: str) -> None:
    """A failed group: cancel its unpaid orders, refund its paid ones in full (Stripe outside transactions)."""
    service.unwind(group_id=group_id)


@job("groupbuy.tell_orders")
def tell_orders(session: Session, *, group_id: str, status: str) -> None:
    """Write the group's new status on its orders (never backwards), so they ship once it succeeded."""
    group_orders.record_group_status(session, group_id=group_id, status=status)
