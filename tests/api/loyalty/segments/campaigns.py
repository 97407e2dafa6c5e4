"""Building segments and campaigns through the API."""

from __future__ import annotations

from tests.support.factories import TenantHandle


def segment(tenant: TenantHandle, rule: dict, name: str = "Audience") -> dict:
    return tenant.admin.post("/v1/admin/segments", {"name": name, "rule": rule}, expect=201).get_json()


def tagged(tenant: TenantHandle, customer_ids: list[str], name: str = "Chosen") -> dict:
    """A segment of exactly these customers (a manual tag)."""
    tag = tenant.admin.post("/v1/admin/tags", {"name": name}, expect=201).get_json()
    tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": customer_ids}, expect=200)
    return segment(tenant, {"all": [{"field": "tag", "op": "eq", "value": tag["id"]}]}, name=name)


def coupon_template(tenant: TenantHandle, **terms) -> dict:
    body = {"name": "Welcome back", "kind": "amount_off", "amount_off": 1_000, "claimable": False, **terms}
    return tenant.admin.post("/v1/admin/coupon-templates", body, expect=201).get_json()


def campaign(tenant: TenantHandle, segment_id: str, action: dict, name: str = "Campaign") -> dict:
    body = {"name": name, "segment_id": segment_id, "action": action}
    return tenant.admin.post("/v1/admin/campaigns", body, expect=201).get_json()


def launch(tenant: TenantHandle, campaign_id: str) -> dict:
    """Launch; in API tests the batches run right after the request, so the campaign is done on return."""
    tenant.admin.post(f"/v1/admin/campaigns/{campaign_id}/launch", expect=202)
    return tenant.admin.get(f"/v1/admin/campaigns/{campaign_id}", expect=200).get_json()


def dry_run(tenant: TenantHandle, campaign_id: str) -> dict:
    return tenant.admin.post(f"/v1/admin/campaigns/{campaign_id}/dry-run", expect=200).get_json()
