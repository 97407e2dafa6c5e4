"""Tenant B's credentials see none of tenant A's objects (404) and change none of them — on every
route in the app's URL map, found automatically, so a route added later is covered too."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from core.db import Base, database
from tests.support.world import populate

SKIPPED_PREFIXES = ("/v1/webhooks/",)  # no credentials: signature-checked, covered by their own tests
ALLOWED = {401, 403, 404, 405, 422}
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _order_bodies(world_ids):
    sku, coupon = world_ids["sku"], world_ids["coupon"]
    return [{"lines": [{"sku_id": sku, "quantity": 1}]},
            {"lines": [{"sku_id": "{own_sku}", "quantity": 1}], "coupon_id": coupon}]


# Bodies that name tenant A's objects, sent to routes with no object in their path; each must be
# answered exactly as the same body naming an object that does not exist.
REFERENCE_BODIES = {
    ("POST", "/v1/storefront/orders"): _order_bodies,
    ("POST", "/v1/storefront/orders/preview"): _order_bodies,
    ("POST", "/v1/admin/rewards"): lambda ids: [{"name": "steal", "points_cost": 1,
                                                 "coupon_template_id": ids["coupon_template"]}],
    ("POST", "/v1/admin/tags"): lambda ids: [{"name": "steal", "rule": {"all": [
        {"field": "tag", "op": "eq", "value": ids["tag"]}]}}],
    ("POST", "/v1/admin/segments"): lambda ids: [{"name": "steal", "rule": {"any": [
        {"field": "tag", "op": "ne", "value": ids["tag"]}]}}],
    ("POST", "/v1/admin/campaigns"): lambda ids: [{"name": "steal", "segment_id": ids["segment"], "action": {
        "kind": "grant_coupon", "coupon_template_id": ids["coupon_template"]}}],
}


def tenant_tables():
    return [t for t in Base.metadata.sorted_tables if "tenant_id" in t.c]


def snapshot(tenant_id: str) -> dict:
    """Every row tenant A owns, in every tenant table (tenant_id named explicitly: this is a test's raw read)."""
    rows = {}
    with database.require_engine().connect() as connection:
        for table in tenant_tables():
            result = connection.execute(text(f'SELECT * FROM "{table.name}" WHERE tenant_id = :t'), {"t": tenant_id})
            rows[table.name] = sorted(tuple(map(str, row)) for row in result)
    return rows


def owned_ids(tenant_id: str) -> dict[str, str]:
    """One id of each kind (by prefix) that tenant A owns, found in its rows rather than listed by hand."""
    by_prefix = {"ten": tenant_id}
    with database.require_engine().connect() as connection:
        for table in tenant_tables():
            if "id" not in table.c:
                continue
            for (value,) in connection.execute(text(f'SELECT id FROM "{table.name}" WHERE tenant_id = :t'),
                                               {"t": tenant_id}):
                by_prefix.setdefault(str(value).split("_", 1)[0], str(value))
    return by_prefix


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/") and not rule.rule.startswith(SKIPPED_PREFIXES):
            yield rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def fill(rule: str, value: str) -> str:
    return VARIABLE.sub(value, rule)


@pytest.fixture
def victim(tenant):
    return populate(tenant)


@pytest.fixture
def intruder_world(other_tenant):
    return populate(other_tenant)


@pytest.fixture
def intruder(other_tenant, intruder_world):
    return {"admin": other_tenant.admin, "consumer": intruder_world.consumer, "publishable": other_tenant.storefront}


def assert_refused(response, method, path, who):
    status = response.status_code
    body = response.get_json(silent=True) or {}
    described = f"{who} {method} {path} -> {status} {response.get_data(as_text=True)[:300]}"
    assert status in ALLOWED, described
    if status == 404:
        assert body.get("reason") == "not_found", described
    if status == 422:
        assert body.get("reason") == "invalid_request", described  # refused on its shape, not on the object


def test_another_tenants_credentials_reach_none_of_its_objects_on_any_route(app, victim, intruder, intruder_world):
    tenant_id = victim.tenant.id
    before = snapshot(tenant_id)
    ids = owned_ids(tenant_id)
    walked = set()

    for rule, methods in routes(app):
        has_variables = bool(VARIABLE.search(rule))
        for method in methods:
            for who, caller in intruder.items():
                if has_variables:
                    for value in ids.values():
                        path = fill(rule, value)
                        body = {} if method in ("POST", "PATCH", "PUT") else None
                        assert_refused(caller.request(method, path, json=body), method, path, who)
                    walked.add((rule, method))
                elif method == "GET":
                    response = caller.get(rule)
                    leaked = [v for v in ids.values() if v in response.get_data(as_text=True)]
                    assert not leaked, f"{who} GET {rule} shows tenant A's {leaked}"
                    walked.add((rule, method))
        for method in methods:
            bodies = REFERENCE_BODIES.get((method, rule))
            if bodies is None:
                continue
            for body in bodies(victim.ids):
                body = json.loads(json.dumps(body).replace("{own_sku}", intruder_world.ids["sku"]))
                fake = json.loads(json.dumps(body).replace(victim.ids["sku"], "sku_doesnotexist000000000000")
                                  .replace(victim.ids["coupon"], "cpn_doesnotexist000000000000")
                                  .replace(victim.ids["coupon_template"], "cpt_doesnotexist000000000000")
                                  .replace(victim.ids["segment"], "seg_doesnotexist000000000000")
                                  .replace(victim.ids["tag"], "tag_doesnotexist000000000000"))
                for who, caller in intruder.items():
                    named, missing = caller.request(method, rule, json=body), caller.request(method, rule, json=fake)
                    described = f"{who} {method} {rule} {body}: {named.get_data(as_text=True)[:300]}"
                    assert named.status_code == missing.status_code, described
                    assert (named.get_json() or {}).get("reason") == (missing.get_json() or {}).get("reason"), described
                    assert named.status_code >= 400, described
            walked.add((rule, method))

    every_object_route_and_list = {(r, m) for r, ms in routes(app) for m in ms if VARIABLE.search(r) or m == "GET"}
    assert every_object_route_and_list <= walked
    assert snapshot(tenant_id) == before


def test_the_walk_covers_every_route_with_an_object_in_its_path(app):
    with_variables = [rule for rule, _ in routes(app) if VARIABLE.search(rule)]

    assert "/v1/admin/api-keys/<key_id>" in with_variables
    assert "/v1/admin/customers/<customer_id>" in with_variables
