"""Tenant B's credentials see none of tenant A's objects and change none of them — on every route in the
app's URL map, found automatically, so a route added later is covered too.

Each request names one of A's objects, in the path or in a body that is otherwise valid (built from the
route's OpenAPI request schema, B's own objects everywhere else), so the lookup is really reached; its
answer must be exactly the answer to the same request naming an object that does not exist. A body the
schema alone cannot make valid goes in REFERENCE_BODIES; an id field of a new kind goes in ID_KINDS.
"""

from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import text

from core.db import Base, database
from tests.support.world import populate

SKIPPED_PREFIXES = ("/v1/webhooks/",)  # no credentials: signature-checked, covered by their own tests
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# Which kind of object (a key of World.ids) an id field or path variable names, where its name alone
# (`sku_id` -> `sku`, `customer_ids` -> `customer`) does not say.
ID_KINDS = {"template_id": "coupon_template", "key_id": "api_key", "line_id": "line",
            "code": "voucher_code", "voucher_code": "voucher_code", "pool_id": "voucher_pool"}
# The same, for an id field whose kind only its parent field says (an order's `group_buy.campaign_id`).
NESTED_ID_KINDS = {("group_buy", "campaign_id"): "group_buy"}


def _coupon_template_bodies(ids):
    return [{"name": "walk", "kind": "amount_off", "amount_off": 100, "product_ids": [ids["product"]]}]


def _order_bodies(ids):
    line = [{"sku_id": ids["sku"], "quantity": 1}]
    return [{"lines": line, "coupon_id": ids["coupon"], "voucher_code": ids["voucher_code"]},
            {"lines": line, "group_buy": {"campaign_id": ids["group_buy"], "group_id": ids["group"]}}]


# Bodies for routes whose request schema alone cannot make a valid body: a callable of the caller's own
# ids (World.ids) giving bodies; every id field in them is then swapped, one at a time, for tenant A's.
REFERENCE_BODIES = {
    ("POST", "/v1/admin/coupon-templates"): _coupon_template_bodies,
    ("POST", "/v1/storefront/sessions"): lambda ids: [{"provider": "dev", "openid": "walk",
                                                       "invite_code": ids["invite_code"]}],
    # A group order takes no coupon or voucher: one body for each, so that every lookup is reached.
    ("POST", "/v1/storefront/orders"): _order_bodies,
    ("POST", "/v1/storefront/orders/preview"): _order_bodies,
    # A reward names a coupon template or a voucher pool, never both.
    ("POST", "/v1/admin/rewards"): lambda ids: [
        {"name": "walk", "points_cost": 1, "coupon_template_id": ids["coupon_template"]},
        {"name": "walk", "points_cost": 1, "voucher_pool_id": ids["voucher_pool"]}],
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


def missing_like(value: str) -> str:
    """An id of the same kind as `value` that no tenant has (a code without a prefix: a well-formed code)."""
    if "_" not in value:
        return "NOSUCHCODE" + "0" * max(0, len(value) - 10)
    prefix = value.split("_", 1)[0]
    return f"{prefix}_doesnotexist{'0' * 14}"


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/") and not rule.rule.startswith(SKIPPED_PREFIXES):
            yield rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def fill(rule: str, value: str) -> str:
    return VARIABLE.sub(value, rule)


def kind_of(name: str, parent: str | None = None) -> str | None:
    """The World.ids kind an id field (within `parent`, if nested) or path variable names, or None if it names
    no object."""
    if (parent, name) in NESTED_ID_KINDS:
        return NESTED_ID_KINDS[(parent, name)]
    if name in ID_KINDS:
        return ID_KINDS[name]
    if name == "invite_code":
        return "invite_code"
    for suffix in ("_ids", "_id"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return None


class Bodies:
    """Valid request bodies from the app's OpenAPI document: required fields, and every id field."""

    def __init__(self, document: dict):
        self.document = document

    def schema_for(self, rule: str, method: str) -> dict | None:
        path = VARIABLE.sub(lambda m: "{" + m.group(1) + "}", rule)
        operation = self.document["paths"].get(path, {}).get(method.lower(), {})
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        return self.resolve(content["schema"]) if content else None

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def names_an_object(self, schema: dict) -> bool:
        schema = self.resolve(schema)
        if any(combined in schema for combined in ("oneOf", "anyOf", "allOf")):  # a nullable nested object
            return any(self.names_an_object(part) for combined in ("oneOf", "anyOf", "allOf")
                       for part in schema.get(combined, ()))
        if schema.get("type") == "array":
            return self.names_an_object(schema.get("items", {}))
        return any(kind_of(name) or self.names_an_object(sub) for name, sub in schema.get("properties", {}).items())

    def example(self, schema: dict, ids: dict, name: str = "", parent: str | None = None):
        schema = self.resolve(schema)
        kind = kind_of(name, parent)
        if kind is not None and schema.get("type") in ("string", "array"):
            assert kind in ids, f"field {name!r} names objects of kind {kind!r}: add it to World.ids or ID_KINDS"
            return [ids[kind]] if schema.get("type") == "array" else ids[kind]
        for combined in ("oneOf", "anyOf", "allOf"):
            if combined in schema:
                return self.example(schema[combined][0], ids, name)
        kind = schema.get("type", "object")
        if "enum" in schema:
            return schema["enum"][0]
        if kind == "object":
            required = set(schema.get("required", ()))
            return {field: self.example(sub, ids, field, name or None)
                    for field, sub in schema.get("properties", {}).items()
                    if field in required or kind_of(field, name or None) or self.names_an_object(sub)}
        if kind == "array":
            return [self.example(schema.get("items", {}), ids, name)] * max(1, schema.get("minItems", 1))
        if kind in ("integer", "number"):
            low = schema.get("minimum", 1) + (1 if schema.get("exclusiveMinimum") else 0)
            return min(max(low, 1), schema.get("maximum", max(low, 1)))
        if kind == "boolean":
            return False
        formats = {"date-time": "2031-01-01T00:00:00+00:00", "date": "2031-01-01", "email": "walk@example.com",
                   "uri": "https://example.com/walk.png", "url": "https://example.com/walk.png"}
        return formats.get(schema.get("format"), "w" * max(1, schema.get("minLength", 4)))


def id_fields(body, path=()):
    """Where in a body each id (or list of ids) sits: (path of keys, kind)."""
    if isinstance(body, dict):
        for key, value in body.items():
            kind = kind_of(key, path[-1] if path and isinstance(path[-1], str) else None)
            if kind is not None and isinstance(value, str | list):
                yield (*path, key), kind
            else:
                yield from id_fields(value, (*path, key))
    elif isinstance(body, list) and body:
        yield from id_fields(body[0], (*path, 0))


def with_value(body, path, value):
    changed = copy.deepcopy(body)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = [value] if isinstance(target[path[-1]], list) else value
    return changed


def answer(response, *names: str) -> tuple:
    """A response as a client can see it, with the ids it was asked about written as <id>."""
    body = response.get_data(as_text=True)
    for name in names:
        body = body.replace(name, "<id>")
    if response.status_code < 400:
        return response.status_code, None  # a success carries new ids; what it changed is checked apart
    return response.status_code, body


@pytest.fixture
def victim(tenant):
    return populate(tenant)


@pytest.fixture
def intruder_world(other_tenant):
    return populate(other_tenant)


@pytest.fixture
def intruder(other_tenant, intruder_world):
    return {"admin": other_tenant.admin, "consumer": intruder_world.consumer, "publishable": other_tenant.storefront}


def own_path(rule: str, own: dict) -> str | None:
    """The route's path naming the caller's own objects, or None if a variable's kind is unknown."""
    kinds = [kind_of(name) for name in VARIABLE.findall(rule)]
    if any(kind not in own for kind in kinds):
        return None
    values = iter(own[kind] for kind in kinds)
    return VARIABLE.sub(lambda _m: next(values), rule)


def test_another_tenants_objects_answer_exactly_as_missing_ones_on_every_route(app, client, victim, intruder,
                                                                               intruder_world):
    tenant_id = victim.tenant.id
    before = snapshot(tenant_id)
    theirs = owned_ids(tenant_id)
    bodies = Bodies(client.get("/openapi.json").get_json())
    walked, reached = set(), set()

    # Lists first, before the walk below has B write anything (B may itself name A's ids in its own rows).
    for rule, methods in routes(app):
        if not VARIABLE.search(rule) and "GET" in methods:
            for who, caller in intruder.items():
                shown = caller.get(rule).get_data(as_text=True)
                leaked = [value for value in theirs.values() if value in shown]
                assert not leaked, f"{who} GET {rule} shows tenant A's {leaked}"
    for rule, methods in routes(app):
        for method in methods:
            schema = bodies.schema_for(rule, method) if method in ("POST", "PATCH", "PUT") else None
            made = REFERENCE_BODIES.get((method, rule))
            own_bodies = made(intruder_world.ids) if made else [bodies.example(schema, intruder_world.ids)] \
                if schema is not None else [None]
            for who, caller in intruder.items():
                for own_body in own_bodies:
                    walk_path_objects(caller, method, rule, own_body, theirs, who)
                    reached |= walk_body_objects(caller, method, rule, own_body, victim.ids, intruder_world.ids, who)
            walked.add((rule, method))

    assert {(r, m) for r, ms in routes(app) for m in ms} <= walked
    # Every body that names objects reached past validation for at least one caller: its lookups ran.
    named = {(r, m) for r, ms in routes(app) for m in ms
             if (s := bodies.schema_for(r, m) if m in ("POST", "PATCH", "PUT") else None) and bodies.names_an_object(s)}
    assert named <= reached, f"bodies refused on their shape, add them to REFERENCE_BODIES: {sorted(named - reached)}"
    assert snapshot(tenant_id) == before


def walk_path_objects(caller, method, rule, body, theirs, who):
    """Every id tenant A owns, in every variable of the path: answered as a missing id of its kind."""
    if not VARIABLE.search(rule):
        return
    for value in theirs.values():
        missing = missing_like(value)
        named = caller.request(method, fill(rule, value), json=body)
        absent = caller.request(method, fill(rule, missing), json=body)
        described = f"{who} {method} {fill(rule, value)} {body}: {named.get_data(as_text=True)[:300]}"
        assert named.status_code in (401, 403, 404, 405, 422), described
        assert answer(named, value, missing) == answer(absent, value, missing), described


def walk_body_objects(caller, method, rule, body, their_ids, own_ids, who) -> set:
    """Each id field of a body, one at a time, naming tenant A's object: answered as a missing one.
    Returns {(rule, method)} if the caller's own body got past validation (its lookups are reached)."""
    if body is None:
        return set()
    path = own_path(rule, own_ids)
    if path is None:
        return set()
    reached = set()
    for where, kind in id_fields(body):
        value = their_ids[kind]
        missing = missing_like(value)
        named = caller.request(method, path, json=with_value(body, where, value))
        absent = caller.request(method, path, json=with_value(body, where, missing))
        described = f"{who} {method} {path} {where}={value}: {named.get_data(as_text=True)[:300]}"
        assert answer(named, value, missing) == answer(absent, value, missing), described
    own = caller.request(method, path, json=body)
    if own.status_code not in (401, 403) and (own.get_json(silent=True) or {}).get("reason") != "invalid_request":
        reached.add((rule, method))
    return reached


def test_the_walk_covers_every_route_with_an_object_in_its_path(app):
    with_variables = [rule for rule, _ in routes(app) if VARIABLE.search(rule)]

    assert "/v1/admin/api-keys/<key_id>" in with_variables
    assert "/v1/admin/customers/<customer_id>" in with_variables


def test_bodies_built_from_the_schema_name_objects_in_every_id_field(app, client):
    bodies = Bodies(client.get("/openapi.json").get_json())
    ids = {"sku": "sku_1", "coupon": "cpn_1", "line": "line_1", "customer": "cus_1", "voucher_code": "CODE1",
           "group_buy": "gby_1", "group": "grp_1"}

    order = bodies.example(bodies.schema_for("/v1/storefront/orders", "POST"), ids)
    refund = bodies.example(bodies.schema_for("/v1/admin/orders/<order_id>/refunds", "POST"), ids)

    assert order == {"lines": [{"sku_id": "sku_1", "quantity": 1}], "coupon_id": "cpn_1", "voucher_code": "CODE1",
                     "group_buy": {"campaign_id": "gby_1", "group_id": "grp_1"}}
    assert refund == {"lines": [{"line_id": "line_1", "quantity": 1}]}
    assert sorted(id_fields(order)) == [(("coupon_id",), "coupon"), (("group_buy", "campaign_id"), "group_buy"),
                                        (("group_buy", "group_id"), "group"), (("lines", 0, "sku_id"), "sku"),
                                        (("voucher_code",), "voucher_code")]
