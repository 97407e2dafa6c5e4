"""What segments adds to the admin customer views (registered in tenants/customers/extensions.py from
loyalty's wire()): the `stage` and `tag` filters of the list, and `stage`, `stage_since`, `rfm` on a customer."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import Select, and_, exists
from sqlalchemy.orm import Session

from loyalty.segments.models import STAGES, CustomerProfile, CustomerTag
from loyalty.segments.schemas import CustomerLifecycleSchema
from loyalty.segments.service.lifecycle import customer_lifecycle
from tenants.customers.models import Customer

STAGE_FIELD = ma.fields.String(validate=ma.validate.OneOf(STAGES))
TAG_FIELD = ma.fields.String(validate=ma.validate.Length(min=1, max=40))


def filter_by_stage(_session: Session, query: Select, stage: str) -> Select:
    """Customers in this stage (a customer without a profile row is a prospect)."""
    profile = and_(CustomerProfile.tenant_id == Customer.tenant_id, CustomerProfile.customer_id == Customer.id)
    if stage == "prospect":
        return query.where(~exists().where(profile, CustomerProfile.stage != "prospect"))
    return query.where(exists().where(profile, CustomerProfile.stage == stage))


def filter_by_tag(_session: Session, query: Select, tag_id: str) -> Select:
    """Customers holding this tag (none for a tag that is not the tenant's)."""
    return query.where(exists().where(CustomerTag.tenant_id == Customer.tenant_id, CustomerTag.tag_id == tag_id,
                                      CustomerTag.customer_id == Customer.id))


def lifecycle_fields(session: Session, customer: Customer) -> dict:
    """`stage`, `stage_since` and `rfm` of a customer, ready for its JSON body."""
    lifecycle = customer_lifecycle(session, customer_id=customer.id)
    return CustomerLifecycleSchema().dump(lifecycle) if lifecycle else {}
