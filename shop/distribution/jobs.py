"""Settlement jobs: a periodic run per tenant every 10 minutes, and batches of on-demand and periodic runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.jobs import job, periodic
from shop.distribution import service
from shop.distribution.service.settlement import BATCH


@periodic("distribution.settle", every=timedelta(minutes=10))
def settle_periodically(session: Session, *, limit: int = BATCH) -> None:
    """Settle this tenant's due commissions: the first batch here, the rest as follow-up jobs.

    Each tenant's run is its own job and each batch its own transaction, so one tenant's size or failure
    holds up no other tenant: their jobs interleave in the queue.
    """
    service.start_periodic_settlement(session, limit=limit)


@job("distribution.settle_batch")
def settle_batch(session: Session, *, settlement_id: str, batch: int, limit: int = BATCH) -> None:
    """Settle one batch of a settlement run (on demand, or the rest of a periodic one)."""
    service.run_settlement_batch(session, settlement_id=settlement_id, batch=batch, limit=limit)
