"""The tenant row, per process, for a few seconds: status, currency, timezone and settings (parsed once).

Every consumer request needs its tenant's status, and checkout and payment its currency and settings: read
from the database each time, that is a round trip per request for a row that changes a few times a year.
This process keeps what it read for TTL_SECONDS. A change that this process commits forgets the tenant's
entry at once (a Session hook notices any Tenant row it flushes, so suspension, resumption and settings
alike); other processes see it within TTL_SECONDS. Parsed settings sections are kept beside the row they
were parsed from, so they go with it. Code that changes the row (settings.update) reads the row itself.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.db import unit_of_work
from tenants.platform.models import Tenant

TTL_SECONDS = 5.0


@dataclass
class TenantFacts:
    """What this process knows of a tenant row; treat it as read-only (sections: callers take copies)."""

    id: str
    status: str
    currency: str
    timezone: str
    publishable_key: str
    settings: dict
    expires: float
    sections: dict = field(default_factory=dict)  # section name -> parsed values (defaults filled in)


def _facts(tenant: Tenant) -> TenantFacts:
    return TenantFacts(id=tenant.id, status=tenant.status, currency=tenant.currency, timezone=tenant.timezone,
                       publishable_key=tenant.publishable_key, settings=copy.deepcopy(tenant.settings or {}),
                       expires=time.monotonic() + TTL_SECONDS)


class TenantCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_id: dict[str, TenantFacts] = {}
        self._by_publishable: dict[str, TenantFacts] = {}

    def get(self, tenant_id: str, *, session: Session | None = None) -> TenantFacts | None:
        """The tenant's facts, read in `session`'s transaction (or a unit of work of its own) when not kept."""
        facts = self._by_id.get(tenant_id)
        if facts is not None and facts.expires > time.monotonic():
            return facts
        if session is None:
            with unit_of_work() as own:
                return self.get(tenant_id, session=own)
        tenant = session.get(Tenant, tenant_id)
        if tenant is None:
            return None
        if tenant_id in session.info.get("changed_tenants", ()):
            return _facts(tenant)  # changed in this transaction, not committed: never kept for others
        return self._keep(_facts(tenant))

    def by_publishable_key(self, key: str) -> TenantFacts | None:
        facts = self._by_publishable.get(key)
        if facts is not None and facts.expires > time.monotonic():
            return facts
        with unit_of_work() as session:
            tenant = session.scalars(select(Tenant).where(Tenant.publishable_key == key)).one_or_none()
            return self._keep(_facts(tenant)) if tenant is not None else None

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            self._by_id.pop(tenant_id, None)
            for key in [key for key, facts in self._by_publishable.items() if facts.id == tenant_id]:
                del self._by_publishable[key]

    def _keep(self, facts: TenantFacts) -> TenantFacts:
        with self._lock:
            self._by_id[facts.id] = facts
            self._by_publishable[facts.publishable_key] = facts
        return facts


tenant_cache = TenantCache()


@event.listens_for(Session, "after_flush")
def _note_changed_tenants(session: Session, _context) -> None:
    # After a flush the session still lists what it flushed as dirty or deleted.
    changed = {obj.id for obj in (*session.dirty, *session.deleted) if isinstance(obj, Tenant)}
    if changed:
        session.info.setdefault("changed_tenants", set()).update(changed)
        for tenant_id in changed:  # now, so that this transaction's own later reads are not served stale
            tenant_cache.forget(tenant_id)


@event.listens_for(Session, "after_commit")
def _forget_changed_tenants(session: Session) -> None:
    # Again after commit: another request may have kept the old row between the flush and the commit.
    for tenant_id in session.info.pop("changed_tenants", ()):
        tenant_cache.forget(tenant_id)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop("changed_tenants", None)
