"""Coupon helpers for loyalty's API tests."""

from __future__ import annotations

TEMPLATES = "/v1/admin/coupon-templates"


def create_template(tenant, **terms) -> dict:
    body = {"name": "10 off", "kind": "amount_off", "amount_off": 1_000, **terms}
    return tenant.admin.post(TEMPLATES, body, expect=201).get_json()


def claim(shopper, template_id: str, expect: int = 201):
    return shopper.post(f"/v1/storefront/coupon-templates/{template_id}/claim", expect=expect).get_json()


def coupons_of(shopper, status: str | None = None) -> list[dict]:
    query = {"status": status} if status else {}
    return shopper.get("/v1/storefront/coupons", query=query, expect=200).get_json()["data"]
