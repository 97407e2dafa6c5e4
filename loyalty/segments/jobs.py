"""Segments' jobs: the daily refresh of every tenant, and campaign batches with their safety net."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import jobs
from loyalty.segments import service
from loyalty.segments.service.campaigns import BATCH_JOB
from loyalty.segments.service.lifecycle import REFRESH_JOB


@jobs.periodic(REFRESH_JOB, every=timedelta(days=1))
def refresh(session: Session) -> None:
    """Every stage, RFM score and rule tag of the tenant (daily; also on demand and after a change of the
    lifecycle settings, enqueued under the same name)."""
    service.refresh_tenant(session)


@jobs.job(BATCH_JOB)
def grant_campaign_batch(session: Session, *, campaign_id: str) -> None:
    """One batch of a running campaign's grants; it enqueues the next."""
    service.grant_batch(session, campaign_id=campaign_id)


@jobs.periodic("loyalty.segments.resume_campaigns", every=timedelta(minutes=1))
def resume_campaigns(session: Session) -> None:
    """Pick up running campaigns whose batches stopped (a worker died mid-batch)."""
    service.resume_stalled(session)
