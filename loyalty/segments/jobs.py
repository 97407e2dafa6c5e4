"""Segments' jobs: the daily refresh of every tenant, and campaign batches with the watch on each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import jobs
from loyalty.segments import service
from loyalty.segments.service.granting import BATCH_JOB, WATCH_JOB
from loyalty.segments.service.lifecycle import REFRESH_JOB


@jobs.periodic(REFRESH_JOB, every=timedelta(days=1))
def refresh(session: Session) -> None:
    """Every stage, RFM score and rule tag of the tenant (daily; also on demand and after a change of the
    lifecycle settings, enqueued under the same name)."""
    service.refresh_tenant(session)


@jobs.job(BATCH_JOB)
def grant_campaign_batch(session: Session, *, campaign_id: str, batches: int) -> None:
    """One batch of a running campaign's grants; it schedules the next."""
    service.grant_batch(session, campaign_id=campaign_id, batches=batches)


@jobs.job(WATCH_JOB)
def watch_campaign_batch(session: Session, *, campaign_id: str, batches: int) -> None:
    """Do a campaign's batch if its own job has not (its worker died mid-batch)."""
    service.watch_batch(session, campaign_id=campaign_id, batches=batches)
