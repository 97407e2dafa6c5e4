"""Issuing coupons: claimed by consumers, granted by admins, bought in the points mall; within limits."""

from __future__ import annotations

from sqlalchemy import select, update
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
