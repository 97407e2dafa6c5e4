"""Points background work: expiring due lots, per tenant, a batch per transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import clock
from core.jobs import enqueue, periodic
from loyalty.points import service as points

EXPIRY_BATCH = 10_000


@periodic("loyalty.points.expire", every=timedelta(hours=1))
def expire_points(session: Session, *, batch: int = EXPIRY_BATCH) -> None:
    """Expire what is left of this tenant's due lots, one batch per run.

    When more lots are due than a batch takes, a follow-up job takes the next batch in its own transaction,
    so a tenant with millions of due lots commits its progress batch by batch and never holds one long
    transaction (the lots themselves are the checkpoint: an expired lot has nothing left to expire).
    """
    if points.expire_due_lots(session, now=clock.now(), limit=batch).more:
        enqueue(session, "loyalty.points.expire", batch=batch)
