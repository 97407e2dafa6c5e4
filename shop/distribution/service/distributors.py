"""Distributor accounts: applying, promotion by spend, accounts for earners, and the admin's decisions.

Every status change is one UPDATE guarded on the prior status (two admins, or an admin and a payment,
cannot both move it) and publishes DistributorStatusChanged in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, events
from core.errors import InvalidState, NotFound
from core.ids import new_id
from core.tenancy import require_tenant_id
from shop.distribution.errors import DistributionDisabled, NotEligible
from shop.distribution.models import Distributor
from shop.distribution.service.reading import AccountView, account_view
from shop.distribution.settings import distribution_rules
from shop.orders.service.queries import net_paid_spend


def find_account(session: Session, *, customer_id: str, lock: bool = False) -> Distributor | None:
    """The customer's distributor account, if it has one."""
    query = select(Distributor).where(Distributor.customer_id == customer_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def get_distributor(session: Session, *, distributor_id: str) -> Distributor:
    distributor = session.scalars(select(Distributor).where(Distributor.id == distributor_id)).one_or_none()
    if distributor is None:
        raise NotFound("No such distributor")
    return distributor


def apply(session: Session, *, customer_id: str, name: str | None = None) -> tuple[Distributor, bool]:
    """Apply to distribute; returns the account and whether this application decided it (False: it existed).

    Judged by `who`: approved at once for everyone, or when net paid spend reached the threshold
    (else NotEligible); pending where the shop approves applicants. An existing account is returned as it is,
    except a `none` account (an earner that never applied), which is judged like anyone.
    """
    rules = distribution_rules(session)
    if not rules["enabled"]:
        raise DistributionDisabled()
    existing = find_account(session, customer_id=customer_id)
    if existing is not None and existing.status != "none":
        return existing, False
    if rules["who"] == "everyone":
        status, source = "approved", "everyone"
    elif rules["who"] == "approved":
        status, source = "pending", "application"
    elif net_paid_spend(session, customer_id=customer_id) >= rules["spend_threshold"]:
        status, source = "approved", "spend"
    else:
        raise NotEligible()
    account = _open_or_move(session, customer_id=customer_id, status=status, source=source, name=name,
                            from_statuses=("none",))
    return account, True


def apply_for_account(session: Session, *, customer_id: str, name: str | None = None) -> tuple[AccountView, bool]:
    """Apply (see `apply`) and return the account as its owner sees it, and whether this application decided it."""
    account, decided = apply(session, customer_id=customer_id, name=name)
    return account_view(session, distributor=account), decided


def decide(session: Session, *, distributor_id: str, decision: str) -> AccountView:
    """The shop's decision on an account: approve, reject, suspend or reinstate (409 invalid_state otherwise)."""
    moves = {"approve": approve, "reject": reject, "suspend": suspend, "reinstate": reinstate}
    return account_view(session, distributor=moves[decision](session, distributor_id=distributor_id))


def get_account_view(session: Session, *, distributor_id: str) -> AccountView:
    """One account with its balance and team, for the shop."""
    return account_view(session, distributor=get_distributor(session, distributor_id=distributor_id))


def ensure_approved_under_everyone(session: Session, *, customer_id: str) -> Distributor | None:
    """Where everyone distributes, a customer without an account (or with a `none` one) is approved now."""
    account = find_account(session, customer_id=customer_id)
    if account is not None and account.status != "none":
        return account
    return _open_or_move(session, customer_id=customer_id, status="approved", source="everyone",
                         from_statuses=("none",))


def ensure_earner_account(session: Session, *, customer_id: str) -> Distributor:
    """The account a customer earns into; one with status `none` is opened for an earner that never applied."""
    account = find_account(session, customer_id=customer_id)
    if account is not None:
        return account
    return _open_or_move(session, customer_id=customer_id, status="none", source="earner", from_statuses=())


def promote_by_spend(session: Session, *, customer_id: str) -> Distributor | None:
    """消费即代理: where `who` is spend_threshold, a customer whose net paid spend reached it becomes a distributor.

    Never taken back: later refunds leave the account approved. Rejected and suspended accounts stay as the
    shop decided.
    """
    rules = distribution_rules(session)
    if not rules["enabled"] or rules["who"] != "spend_threshold":
        return None
    account = find_account(session, customer_id=customer_id)
    if account is not None and account.status not in ("none", "pending"):
        return None
    if net_paid_spend(session, customer_id=customer_id) < rules["spend_threshold"]:
        return None
    return _open_or_move(session, customer_id=customer_id, status="approved", source="spend",
                         from_statuses=("none", "pending"))


# The shop's decisions: the statuses each moves an account from, and the status it moves it to.
DECISIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending", "rejected", "none"), "approved"),
    "reject": (("pending",), "rejected"),
    "suspend": (("approved",), "suspended"),
    "reinstate": (("suspended",), "approved"),
}


def decisions_for(status: str) -> list[str]:
    """The decisions the shop may take on an account in this status (what a page offers)."""
    return [decision for decision, (allowed, _to) in DECISIONS.items() if status in allowed]


def approve(session: Session, *, distributor_id: str) -> Distributor:
    """pending, rejected or none -> approved."""
    return _decide(session, distributor_id, *DECISIONS["approve"])


def reject(session: Session, *, distributor_id: str) -> Distributor:
    """pending -> rejected."""
    return _decide(session, distributor_id, *DECISIONS["reject"])


def suspend(session: Session, *, distributor_id: str) -> Distributor:
    """approved -> suspended: it earns nothing new; what it earned stays."""
    return _decide(session, distributor_id, *DECISIONS["suspend"])


def reinstate(session: Session, *, distributor_id: str) -> Distributor:
    """suspended -> approved."""
    return _decide(session, distributor_id, *DECISIONS["reinstate"])


def _decide(session: Session, distributor_id: str, allowed: tuple[str, ...], status: str) -> Distributor:
    distributor = get_distributor(session, distributor_id=distributor_id)
    if not _move(session, distributor, allowed, status):
        session.refresh(distributor)
        raise InvalidState(f"A {distributor.status} distributor cannot become {status}")
    return distributor


def _open_or_move(session: Session, *, customer_id: str, status: str, source: str, from_statuses: tuple[str, ...],
                  name: str | None = None) -> Distributor:
    """Open the customer's account with `status`, or move its existing account from one of `from_statuses`.

    Two openings may race (two payments, a login and a payment): the unique (tenant, customer) decides,
    and the loser moves the winner's account instead.
    """
    account = find_account(session, customer_id=customer_id)
    if account is None:
        now = clock.now()
        candidate = Distributor(id=new_id("dst"), customer_id=customer_id, status=status, name=name, source=source,
                                created_at=now, updated_at=now, approved_at=now if status == "approved" else None)
        try:
            with session.begin_nested():
                session.add(candidate)
        except IntegrityError:
            account = find_account(session, customer_id=customer_id)
        else:
            _published(session, candidate)
            return candidate
    if account.status in from_statuses:
        if name:
            account.name = name
        _move(session, account, from_statuses, status, source=source)
        session.refresh(account)
    return account


def _move(session: Session, distributor: Distributor, allowed: tuple[str, ...], status: str,
          source: str | None = None) -> bool:
    now = clock.now()
    values = {"status": status, "updated_at": now}
    if status == "approved":
        values["approved_at"] = now
    if source is not None:
        values["source"] = source
    moved = session.execute(
        update(Distributor).where(Distributor.id == distributor.id, Distributor.status.in_(allowed)).values(**values)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if moved:
        _published(session, distributor, status=status)
    return bool(moved)


def _published(session: Session, distributor: Distributor, status: str | None = None) -> None:
    session.flush()
    events.publish(session, events.DistributorStatusChanged(
        tenant_id=require_tenant_id(), customer_id=distributor.customer_id, status=status or distributor.status))
