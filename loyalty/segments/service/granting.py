"""A running campaign's grants, one batch per transaction, set-based, shaped like the points expiry job.

Each customer is granted at most once per campaign: its recipient row (primary key campaign + customer)
moves from `pending` to `granted` in the same transaction as the coupon or points it records, so a batch
either happens whole or not at all, whoever runs it and however often.

Batches of one campaign run one at a time and in one chain: the campaign row is locked (SKIP LOCKED: a
second runner leaves after a few quick looks), and every job names the batch count it expects, so a late or
repeated job finds the count moved on and does nothing. Each batch enqueues the next one and, 30 s later, a watch on it:
should a worker die mid-batch, its transaction rolls back and the watch (written by the batch before, so
committed) runs that batch itself. A watch that finds a batch in progress looks again later.

Lock order: the campaign row; then the customers' frequency-cap rows (customer order); then whatever the
coupon or points service locks (per-customer counters then the template row; points accounts in customer
order). Order events lock points accounts and never cap rows, so they cannot deadlock with a batch.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from core import clock, jobs
from core.db import insert_ignoring_conflicts
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.coupons import service as coupons
from loyalty.points import service as points
from loyalty.segments.models import Campaign, CampaignCap, CampaignRecipient
from loyalty.segments.rules import DAY
from loyalty.segments.settings import frequency_cap
from loyalty.settings import loyalty_rules

BATCH_JOB = "loyalty.segments.grant_campaign_batch"
WATCH_JOB = "loyalty.segments.watch_campaign_batch"
BATCH_SIZE = 500
WATCH_AFTER = timedelta(seconds=30)  # a batch takes a second or two; a queue backlog may add more
_RECIPIENTS = CampaignRecipient.__table__


def schedule_batch(session: Session, *, campaign_id: str, batches: int) -> None:
    """Enqueue the campaign's next batch (the one after `batches` batches) and a watch on it."""
    jobs.enqueue(session, BATCH_JOB, key=f"campaign:{campaign_id}:batch:{batches}", campaign_id=campaign_id,
                 batches=batches)
    jobs.enqueue(session, WATCH_JOB, key=f"campaign:{campaign_id}:watch:{batches}", run_at=clock.now() + WATCH_AFTER,
                 campaign_id=campaign_id, batches=batches)


def grant_batch(session: Session, *, campaign_id: str, batches: int) -> str:
    """Grant to the next batch of a running campaign's pending recipients if it has had `batches` batches,
    then schedule the next batch or complete the campaign; returns what happened (`granted`, `completed`,
    `busy`: another runner holds it, `done`: the batch was done already or the campaign is not running)."""
    campaign = _locked_unless_running_elsewhere(session, campaign_id)
    if campaign is None:
        return "busy"
    if campaign.status != "running" or campaign.batches != batches:
        return "done"
    now = clock.now()
    batch = list(session.scalars(
        select(CampaignRecipient.customer_id)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == "pending")
        .order_by(CampaignRecipient.customer_id).limit(BATCH_SIZE)
    ))
    if batch:
        capped = _lock_and_find_capped(session, customer_ids=batch, now=now)
        granted, limited = _grant(session, campaign, [c for c in batch if c not in capped], now=now)
        _record(session, campaign, granted=granted, capped=capped, limited=limited, now=now)
    campaign.batches += 1
    if len(batch) == BATCH_SIZE:
        schedule_batch(session, campaign_id=campaign.id, batches=campaign.batches)
        return "granted"
    campaign.status, campaign.completed_at = "completed", now
    return "completed"


# A lock on the campaign row held for a moment is no runner: a second launch's guarded UPDATE holds it while it
# re-checks the row, just after the winning launch committed, which is when that launch's first batch runs (at
# once, in-process). Taken for `busy` there, the batch was left to its watch, 30 s later (a CI run saw a launch
# raced by three others still `running` with nothing granted). So the row is looked at a few times first; a
# batch in progress holds it for a second or two, far longer.
_LOOKS = 4
_LOOK_AGAIN_AFTER_SECONDS = 0.05


def _locked_unless_running_elsewhere(session: Session, campaign_id: str) -> Campaign | None:
    for _ in range(_LOOKS - 1):
        campaign = _locked_unless_held(session, campaign_id)
        if campaign is not None:
            return campaign
        time.sleep(_LOOK_AGAIN_AFTER_SECONDS)
    return _locked_unless_held(session, campaign_id)


def _locked_unless_held(session: Session, campaign_id: str) -> Campaign | None:
    return session.scalars(
        select(Campaign).where(Campaign.id == campaign_id).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).one_or_none()


def watch_batch(session: Session, *, campaign_id: str, batches: int) -> str:
    """The batch after `batches` should be done by now: if it is not, do it here (its worker died, or its job
    was lost); if a batch is running, look again later."""
    outcome = grant_batch(session, campaign_id=campaign_id, batches=batches)
    if outcome == "busy":
        jobs.enqueue(session, WATCH_JOB, key=f"campaign:{campaign_id}:watch:{batches}:{new_id('again')}",
                     run_at=clock.now() + WATCH_AFTER, campaign_id=campaign_id, batches=batches)
    return outcome


def _lock_and_find_capped(session: Session, *, customer_ids: list[str], now: datetime) -> set[str]:
    """Lock the customers' cap rows (in customer order: two campaigns' batches wait for each other rather than
    both granting past the cap), then find those already at the tenant's frequency cap."""
    cap = frequency_cap(session)
    insert_ignoring_conflicts(
        session, CampaignCap.__table__,
        [{"tenant_id": require_tenant_id(), "customer_id": customer_id, "grants": 0} for customer_id in customer_ids],
        index_elements=["tenant_id", "customer_id"],
    )
    session.execute(select(CampaignCap.customer_id).where(CampaignCap.customer_id.in_(customer_ids))
                    .order_by(CampaignCap.customer_id).with_for_update())
    return set(session.scalars(
        select(CampaignRecipient.customer_id)
        .where(CampaignRecipient.customer_id.in_(customer_ids), CampaignRecipient.status == "granted",
               CampaignRecipient.granted_at > now - cap["cap_days"] * DAY)
        .group_by(CampaignRecipient.customer_id)
        .having(func.count() >= cap["max_grants_per_customer"])
    ))


def _grant(session: Session, campaign: Campaign, customer_ids: list[str], *,
           now: datetime) -> tuple[dict[str, str | None], list[str]]:
    """Grant through the coupon or points service; returns {customer: coupon id or None} and those the
    coupon template's limits refused."""
    if not customer_ids:
        return {}, []
    if campaign.action == "grant_coupon":
        issued = coupons.issue_many(session, template_id=campaign.coupon_template_id, customer_ids=customer_ids,
                                    source="campaign")
        return dict(issued.issued), issued.refused
    pending_days = loyalty_rules(session)["points_pending_days"]
    points.credit_all(session, [
        points.Credit(customer_id, "campaign", campaign.points, f"campaign:{campaign.id}:{customer_id}",
                      reason=f"Campaign: {campaign.name}"[:500], pending_days=pending_days)
        for customer_id in customer_ids
    ])
    return dict.fromkeys(customer_ids), []


def _record(session: Session, campaign: Campaign, *, granted: dict[str, str | None], capped: set[str],
            limited: list[str], now: datetime) -> None:
    """Each recipient's outcome (one statement), the granted customers' cap rows, the campaign's counters."""
    tenant_id = require_tenant_id()
    outcomes = ([(customer, "granted", coupon_id, now) for customer, coupon_id in granted.items()]
                + [(customer, "skipped_capped", None, None) for customer in capped]
                + [(customer, "skipped_limit", None, None) for customer in limited])
    session.execute(
        update(_RECIPIENTS)
        .where(_RECIPIENTS.c.tenant_id == tenant_id, _RECIPIENTS.c.campaign_id == campaign.id,
               _RECIPIENTS.c.customer_id == bindparam("recipient"), _RECIPIENTS.c.status == "pending")
        .values(status=bindparam("outcome"), coupon_id=bindparam("coupon"), granted_at=bindparam("at")),
        [{"recipient": customer, "outcome": outcome, "coupon": coupon_id, "at": at}
         for customer, outcome, coupon_id, at in outcomes],
    )
    if granted:
        session.execute(update(CampaignCap).where(CampaignCap.customer_id.in_(list(granted)))
                        .values(grants=CampaignCap.grants + 1, last_granted_at=now))
    campaign.granted += len(granted)
    campaign.skipped_capped += len(capped)
    campaign.skipped_limit += len(limited)
