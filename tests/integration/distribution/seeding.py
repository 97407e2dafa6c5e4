"""Due commissions seeded straight into a tenant's tables (with their accrual in the ledger), for settlement
races that need thousands of them; everything else in these tests goes through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from core import clock, ledger
from core.db import unit_of_work
from core.ids import new_id
from core.tenancy import tenant_scope
from shop.distribution.accounts import EXPENSE, account
from shop.distribution.models import Commission, Distributor
from tenants.customers.invite_codes import new_invite_code
from tenants.customers.models import Customer


def seed_due_commissions(tenant_id: str, *, count: int, distributors: int = 10, amount: int = 7) -> list[str]:
    """`count` commissions of `amount` each, spread over new approved distributors, frozen and due."""
    now = clock.now()
    with unit_of_work() as session, tenant_scope(tenant_id):
        ids = []
        for _ in range(distributors):
            customer_id, distributor_id = new_id("cus"), new_id("dst")
            session.execute(Customer.__table__.insert().values(
                tenant_id=tenant_id, id=customer_id, openid=customer_id, provider="dev",
                invite_code=new_invite_code(), created_at=now))
            session.execute(Distributor.__table__.insert().values(
                tenant_id=tenant_id, id=distributor_id, customer_id=customer_id, status="approved", source="everyone",
                created_at=now, updated_at=now, approved_at=now))
            ids.append(distributor_id)
        rows = [{"tenant_id": tenant_id, "id": new_id("com"), "order_id": new_id("ord"), "line_id": new_id("oln"),
                 "customer_id": new_id("cus"), "distributor_id": ids[n % distributors], "level": 1, "kind": "sale",
                 "product_id": new_id("prod"), "quantity": 1, "currency": "CNY", "base": amount * 10,
                 "net": amount * 10, "rate": "0.1", "amount": amount, "status": "frozen", "created_at": now,
                 "final_at": now} for n in range(count)]
        session.execute(Commission.__table__.insert(), rows)
        ledger.post(session, kind="commission.accrual", key=f"seed:{new_id('seed')}", postings=[
            posting for n, distributor_id in enumerate(ids)
            for share in [amount * len(range(n, count, distributors))]
            for posting in (ledger.Posting(EXPENSE, share, "CNY"),
                            ledger.Posting(account(distributor_id, "frozen"), -share, "CNY"))])
    return ids


def settled_state(tenant_id: str) -> dict:
    """What settlement did: commissions by status, settled rows per run, and the ledger's totals."""
    with unit_of_work() as session, tenant_scope(tenant_id):
        by_status = dict(session.execute(select(Commission.status, func.count()).group_by(Commission.status)).all())
        by_run = dict(session.execute(select(Commission.settlement_id, func.count())
                                      .where(Commission.settlement_id.is_not(None))
                                      .group_by(Commission.settlement_id)).all())
        settled_amount = session.scalar(select(func.coalesce(func.sum(Commission.amount), 0))
                                        .where(Commission.status == "settled"))
        available = -sum(amount for (code, _currency), amount in ledger.balances(session).items()
                         if code.endswith(":available"))
        return {"by_status": by_status, "by_run": by_run, "settled_amount": settled_amount, "available": available,
                "totals": ledger.totals_by_currency(session)}
