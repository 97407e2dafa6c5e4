"""Issuing coupons: claimed by consumers, granted by admins, bought in the points mall; within limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, false, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import clock
from core.db import insert_ignoring_conflicts
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.coupons.models import Coupon, CouponCustomerCount, CouponTemplate
from loyalty.coupons.rules import validity
from loyalty.coupons.service.templates import get_claimable_template, get_template
from loyalty.errors import CouponExpired, CouponLimitReached, CouponSoldOut
from tenants.customers.models import Customer


def issue(session: Session, *, template: CouponTemplate, customer_id: str, source: str,
          per_customer_limit: bool = True) -> Coupon:
    """Issue one coupon of a template to a customer: CouponExpired once its window has ended,
    CouponLimitReached past the customer's limit, CouponSoldOut past the total quantity."""
    now = clock.now()
    if template.valid_until is not None and template.valid_until <= now:
        raise CouponExpired()
    if per_customer_limit and template.per_customer_limit is not None:
        _count_for_customer(session, template=template, customer_id=customer_id)
    # Claims may race for the last coupon of a template: the guard, not a prior read, decides.
    counted = session.execute(
        update(CouponTemplate)
        .where(CouponTemplate.id == template.id,
               CouponTemplate.total_quantity.is_(None) | (CouponTemplate.issued_count < CouponTemplate.total_quantity))
        .values(issued_count=CouponTemplate.issued_count + 1)
    ).rowcount
    if not counted:
        raise CouponSoldOut()
    valid_from, valid_until = validity(issued_at=now, valid_from=template.valid_from,
                                       valid_until=template.valid_until, valid_days=template.valid_days)
    coupon = Coupon(id=new_id("cpn"), template_id=template.id, customer_id=customer_id, status="available",
                    source=source, valid_from=valid_from, valid_until=valid_until, created_at=now)
    session.add(coupon)
    session.flush()
    set_committed_value(coupon, "template", template)  # loaded for the response, no query
    return coupon


def _count_for_customer(session: Session, *, template: CouponTemplate, customer_id: str) -> None:
    insert_ignoring_conflicts(
        session, CouponCustomerCount.__table__,
        {"tenant_id": require_tenant_id(), "template_id": template.id, "customer_id": customer_id, "issued": 0},
        index_elements=["tenant_id", "template_id", "customer_id"],
    )
    # One customer's claims may race for their last allowance: the guarded counter decides.
    counted = session.execute(
        update(CouponCustomerCount)
        .where(CouponCustomerCount.template_id == template.id, CouponCustomerCount.customer_id == customer_id,
               CouponCustomerCount.issued < template.per_customer_limit)
        .values(issued=CouponCustomerCount.issued + 1)
    ).rowcount
    if not counted:
        raise CouponLimitReached()


def claim(session: Session, *, template_id: str, customer_id: str) -> Coupon:
    """Issue one coupon of a claimable template to the consumer claiming it, within its limits."""
    template = get_claimable_template(session, template_id=template_id)
    return issue(session, template=template, customer_id=customer_id, source="claim")


def grant(session: Session, *, template_id: str, customer_ids: list[str]) -> dict:
    """Issue one coupon to each customer named (once each), within the template's limits; customers the
    limits refuse, and ids that are not customers of the tenant, are skipped."""
    template = get_template(session, template_id=template_id)
    wanted = list(dict.fromkeys(customer_ids))
    known = set(session.scalars(select(Customer.id).where(Customer.id.in_(wanted))))
    issued, skipped = [], []
    for customer_id in wanted:
        if customer_id not in known:
            skipped.append(customer_id)
            continue
        try:
            with session.begin_nested():  # a refusal undoes only this customer's counters
                issue(session, template=template, customer_id=customer_id, source="grant")
        except (CouponExpired, CouponLimitReached, CouponSoldOut):
            skipped.append(customer_id)
        else:
            issued.append(customer_id)
    return {"issued": len(issued), "skipped": len(skipped), "skipped_customer_ids": skipped}


@dataclass(frozen=True)
class BatchIssue:
    issued: dict[str, str]  # customer id -> the coupon id issued to it
    refused: list[str]  # customers the template's limits refused (per customer, total quantity, window ended)


def issue_many(session: Session, *, template_id: str, customer_ids: list[str], source: str) -> BatchIssue:
    """Issue one coupon of a template to each customer named, within its limits, set-based: a few statements
    whatever the batch size (campaigns). When the total quantity runs out, customers earlier in id order get
    the last coupons. Locks as `issue` does, in the same order: per-customer counters (in customer order),
    then the template row."""
    tenant_id, now = require_tenant_id(), clock.now()
    template = get_template(session, template_id=template_id)
    wanted = sorted(set(customer_ids))
    if not wanted or (template.valid_until is not None and template.valid_until <= now):
        return BatchIssue({}, wanted)
    allowed = wanted
    if template.per_customer_limit is not None:
        allowed = _count_many_for_customers(session, template=template, customer_ids=wanted)
    locked = (select(CouponTemplate).where(CouponTemplate.id == template.id).with_for_update()
              .execution_options(populate_existing=True))
    template = session.scalars(locked).one()
    left = len(allowed) if template.total_quantity is None else template.total_quantity - template.issued_count
    taken, over_total = allowed[:max(left, 0)], allowed[max(left, 0):]
    if over_total and template.per_customer_limit is not None:
        session.execute(update(CouponCustomerCount)
                        .where(CouponCustomerCount.template_id == template.id,
                               CouponCustomerCount.customer_id.in_(over_total))
                        .values(issued=CouponCustomerCount.issued - 1))
    if taken:
        session.execute(update(CouponTemplate).where(CouponTemplate.id == template.id)
                        .values(issued_count=CouponTemplate.issued_count + len(taken)))
        valid_from, valid_until = validity(issued_at=now, valid_from=template.valid_from,
                                           valid_until=template.valid_until, valid_days=template.valid_days)
        rows = [{"tenant_id": tenant_id, "id": new_id("cpn"), "template_id": template.id, "customer_id": customer_id,
                 "status": "available", "source": source, "valid_from": valid_from, "valid_until": valid_until,
                 "created_at": now} for customer_id in taken]
        session.execute(Coupon.__table__.insert(), rows)
    else:
        rows = []
    refused = sorted(set(wanted) - set(taken))
    return BatchIssue({row["customer_id"]: row["id"] for row in rows}, refused)


def _count_many_for_customers(session: Session, *, template: CouponTemplate, customer_ids: list[str]) -> list[str]:
    """Count one more coupon for each customer still under the template's per-customer limit; returns them."""
    insert_ignoring_conflicts(
        session, CouponCustomerCount.__table__,
        [{"tenant_id": require_tenant_id(), "template_id": template.id, "customer_id": customer_id, "issued": 0}
         for customer_id in customer_ids],
        index_elements=["tenant_id", "template_id", "customer_id"],
    )
    counters = (CouponCustomerCount.template_id == template.id, CouponCustomerCount.customer_id.in_(customer_ids))
    # Two batches of one template (two campaigns) lock their customers' counters in one order: no deadlock.
    session.execute(select(CouponCustomerCount.customer_id).where(*counters)
                    .order_by(CouponCustomerCount.customer_id).with_for_update())
    counted = session.scalars(
        update(CouponCustomerCount)
        .where(*counters, CouponCustomerCount.issued < template.per_customer_limit)
        .values(issued=CouponCustomerCount.issued + 1)
        .returning(CouponCustomerCount.customer_id)
    )
    return sorted(counted)


def customers_at_limit(*, template: CouponTemplate) -> Select:
    """SELECT customer_id of every customer already issued as many coupons of the template as it allows
    per customer (nobody, when it has no such limit); for set-based readers (a campaign's dry-run)."""
    counts = CouponCustomerCount
    query = select(counts.customer_id).where(counts.tenant_id == template.tenant_id, counts.template_id == template.id)
    if template.per_customer_limit is None:
        return query.where(false())
    return query.where(counts.issued >= template.per_customer_limit)
