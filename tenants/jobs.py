"""Platform housekeeping that runs per tenant."""

from datetime import timedelta

from sqlalchemy.orm import Session

from core import idempotency
from core.jobs import periodic


@periodic("tenants.purge_idempotency_keys", every=timedelta(hours=1))
def purge_idempotency_keys(session: Session) -> None:
    """Forget Idempotency-Keys older than their retention window."""
    idempotency.purge_expired(session)
