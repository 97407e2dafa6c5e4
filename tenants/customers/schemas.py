"""How customers read in the admin API, including the fields other capabilities fill in.

`GET /v1/admin/customers/{id}` shows what the contract names for it: the customer's own fields, and the
lifecycle fields segments computes (`stage`, `stage_since`, `rfm`). Their shape is documented here, where
the endpoint is, so the OpenAPI document describes them; their values come from the capability that
owns them through tenants/customers/extensions.py (tenants never imports it).
"""

import marshmallow as ma

from core.api import Schema

STAGES = ("prospect", "new", "active", "loyal", "dormant", "churned")


class CustomerSchema(Schema):
    id = ma.fields.String()
    provider = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    invite_code = ma.fields.String()
    referred_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    last_login_at = ma.fields.DateTime(allow_none=True)


class RfmSchema(Schema):
    recency_days = ma.fields.Integer(allow_none=True, metadata={"description": "Whole days since the last paid order"})
    frequency = ma.fields.Integer(metadata={"description": "Paid orders in the last loyal_window_days"})
    monetary = ma.fields.Integer(metadata={"description": "Their net paid amount (minor units)"})
    r = ma.fields.Integer(allow_none=True, metadata={"description": "1-5 within the tenant, as of the last refresh"})
    f = ma.fields.Integer(allow_none=True)
    m = ma.fields.Integer(allow_none=True)


class CustomerLifecycleSchema(Schema):
    stage = ma.fields.String(metadata={"enum": list(STAGES), "description": "Lifecycle stage (segments)"})
    stage_since = ma.fields.DateTime(metadata={"description": "When the current stage began"})
    rfm = ma.fields.Nested(RfmSchema)


class CustomerDetailSchema(CustomerSchema, CustomerLifecycleSchema):
    """A customer with the fields other capabilities fill in (tenants/customers/extensions.py)."""

    @ma.post_dump(pass_original=True)
    def _add_extensions(self, data, customer, **_kwargs):
        data.update(getattr(customer, "extensions", {}))
        return data
