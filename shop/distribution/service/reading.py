"""Reading distribution: a distributor's own view (balance from the ledger, team by level), lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core import clock, ledger
from core.api import Page
from core.errors import NotFound
from core.pagination import paginate
from shop.distribution.accounts import BUCKETS, account
from shop.distribution.models import Binding, Commission, Distributor
from tenants.customers.models import Customer


@dataclass
class AccountView:
    """A distributor account as its owner (and the admin) sees it."""

    distributor: Distributor
    invite_code: str
    balance: dict | None = None
    team: dict | None = None

    def __getattr__(self, name):
        return getattr(self.distributor, name)


def my_account(session: Session, *, customer_id: str) -> AccountView:
    """The customer's own account with its balance and team counts; 404 without one."""
    distributor = session.scalars(select(Distributor).where(Distributor.customer_id == customer_id)).one_or_none()
    if distributor is None:
        raise NotFound("You have no distributor account")
    return account_view(session, distributor=distributor)


def account_view(session: Session, *, distributor: Distributor) -> AccountView:
    """An account with its invite code, balance and team counts."""
    return AccountView(distributor, _invite_codes(session, [distributor.customer_id])[distributor.customer_id],
                       balance=balance_of(session, distributor_id=distributor.id),
                       team=team_counts(session, distributor_id=distributor.id))


def balance_of(session: Session, *, distributor_id: str) -> dict:
    """frozen, available, withdrawing and withdrawn (paid + fees), derived from the ledger's entries."""
    owed = {bucket: 0 for bucket in BUCKETS}
    accounts = {account(distributor_id, bucket): bucket for bucket in BUCKETS}
    for (code, _currency), amount in ledger.credit_balances(session, accounts=list(accounts)).items():
        owed[accounts[code]] += amount
    return {"frozen": owed["frozen"], "available": owed["available"], "withdrawing": owed["withdrawing"],
            "withdrawn": owed["paid"] + owed["fees"]}


def team_counts(session: Session, *, distributor_id: str) -> dict:
    """How many customers are bound to this distributor now (level 1), and to those of them who distribute (level 2)."""
    return {"level1": session.scalar(select(func.count()).select_from(_level1(distributor_id).subquery())),
            "level2": session.scalar(select(func.count()).select_from(_level2(distributor_id).subquery()))}


def list_team(session: Session, *, customer_id: str, level: int, limit: int, starting_after: str | None) -> Page:
    """The customer's team at one level: who is bound (level 1), or bound to those (level 2)."""
    distributor = my_account(session, customer_id=customer_id).distributor
    query = _level1(distributor.id) if level == 1 else _level2(distributor.id)
    bindings = query.subquery()
    rows = select(bindings.c.customer_id, bindings.c.bound_at, bindings.c.expires_at)
    if starting_after:
        rows = rows.where(bindings.c.customer_id < starting_after)
    found = session.execute(rows.order_by(bindings.c.customer_id.desc()).limit(limit + 1)).all()
    members = [{"customer_id": row.customer_id, "level": level, "bound_at": row.bound_at,
                "expires_at": row.expires_at} for row in found[:limit]]
    return Page(members, has_more=len(found) > limit)


def _level1(distributor_id: str):
    return select(Binding.customer_id, Binding.bound_at, Binding.expires_at).where(
        Binding.distributor_id == distributor_id, _unexpired(Binding))


def _level2(distributor_id: str):
    first, second = aliased(Binding), aliased(Binding)
    return (
        select(second.customer_id, second.bound_at, second.expires_at)
        .join(Distributor, Distributor.id == second.distributor_id)
        .join(first, first.customer_id == Distributor.customer_id)
        .where(first.distributor_id == distributor_id, _unexpired(first), _unexpired(second))
    )


def _unexpired(binding):
    return binding.expires_at.is_(None) | (binding.expires_at > clock.now())


def my_commissions(session: Session, *, customer_id: str, status: str | None, limit: int,
                   starting_after: str | None) -> Page:
    """The customer's commissions as an earner, newest first."""
    distributor = my_account(session, customer_id=customer_id).distributor
    return list_commissions(session, distributor_id=distributor.id, status=status, limit=limit,
                            starting_after=starting_after)


def list_commissions(session: Session, *, status: str | None = None, distributor_id: str | None = None,
                     order_id: str | None = None, limit: int, starting_after: str | None) -> Page:
    """Commissions newest first, filtered by status, earner or order."""
    query = _commissions(status=status, distributor_id=distributor_id, order_id=order_id)
    return paginate(session, query, id_column=Commission.id, limit=limit, starting_after=starting_after)


def iter_commissions(session: Session, *, status: str | None = None, distributor_id: str | None = None,
                     order_id: str | None = None) -> Iterator[Commission]:
    """Every commission matching the filters, newest first, read in chunks (for CSV)."""
    query = _commissions(status=status, distributor_id=distributor_id, order_id=order_id)
    yield from session.scalars(query.order_by(Commission.id.desc()).execution_options(yield_per=1000))


def _commissions(*, status: str | None, distributor_id: str | None, order_id: str | None):
    query = select(Commission)
    if status:
        query = query.where(Commission.status == status)
    if distributor_id:
        query = query.where(Commission.distributor_id == distributor_id)
    if order_id:
        query = query.where(Commission.order_id == order_id)
    return query


def list_distributors(session: Session, *, status: str | None, limit: int, starting_after: str | None) -> Page:
    """Distributor accounts newest first; `none` accounts (earners that never applied) only when asked for."""
    query = select(Distributor)
    query = query.where(Distributor.status == status) if status else query.where(Distributor.status != "none")
    page = paginate(session, query, id_column=Distributor.id, limit=limit, starting_after=starting_after)
    codes = _invite_codes(session, [distributor.customer_id for distributor in page.data])
    page.data = [AccountView(distributor, codes[distributor.customer_id]) for distributor in page.data]
    return page


def _invite_codes(session: Session, customer_ids: list[str]) -> dict[str, str]:
    if not customer_ids:
        return {}
    return dict(session.execute(select(Customer.id, Customer.invite_code).where(Customer.id.in_(customer_ids))).all())
