"""Tenant B's console reaches none of tenant A's objects: every console route with an object in its path,
found in the URL map (so a page added later is walked too), tried with each id tenant A owns, by GET and by a
POST carrying B's valid CSRF token. Each answers 403, 404 or 405, and A's rows stay as they were."""

from __future__ import annotations

import re

from tests.api.console.conftest import signed_in
from tests.api.foundation.test_cross_tenant_walk import VARIABLE, fill, owned_ids, snapshot
from tests.support.world import populate

ALLOWED = {403, 404, 405}


def console_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console/") and VARIABLE.search(rule.rule) and rule.endpoint not in (
                "console.static", "console.unknown"):
            yield rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_another_tenants_console_reaches_none_of_its_objects(app, tenant, other_tenant):
    populate(tenant)
    before = snapshot(tenant.id)
    ids = owned_ids(tenant.id)
    intruder = signed_in(app, other_tenant.admin_key)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      intruder.get("/console/orders").get_data(as_text=True)).group(1)
    walked = []

    for rule, methods in console_routes(app):
        for value in ids.values():
            path = fill(rule, value)
            for method in methods:
                if method == "GET":
                    response = intruder.get(path)
                else:
                    response = intruder.post(path, {"csrf_token": token, "form_version": "x", "amount": "1",
                                                    "points": "1", "reason": "x", "carrier": "x", "title": "x"})
                assert response.status_code in ALLOWED, f"{method} {path} -> {response.status_code}"
                if response.status_code == 404:
                    assert 'data-reason="not_found"' in response.get_data(as_text=True)
        walked.append(rule)

    assert snapshot(tenant.id) == before
    assert {"/console/orders/<order_id>", "/console/products/<product_id>", "/console/customers/<customer_id>",
            "/console/orders/<order_id>/refunds"} <= set(walked)
    assert {"ord", "prod", "cus", "rfd", "cpt", "rwd", "csn"} <= set(ids)  # the walk tried each kind of object
    assert {"/console/group-buys/<group_buy_id>", "/console/group-buys/<group_buy_id>/end",
            *(f"/console/finance/withdrawals/<withdrawal_id>/{move}" for move in ("approve", "reject", "mark-paid"))
            } <= set(walked)
    assert {"gby", "grp", "wdr", "stl"} <= set(ids)
    assert {"/console/vouchers/<pool_id>", "/console/vouchers/<pool_id>/generate", "/console/vouchers/<pool_id>/import",
            "/console/verify/<voucher_id>/reverse", "/console/distributors/<distributor_id>/decision"} <= set(walked)
    assert {"vpl", "vch", "vim", "dst"} <= set(ids)
    assert {"/console/segments/<segment_id>", "/console/campaigns/<campaign_id>",
            "/console/campaigns/<campaign_id>/launch"} <= set(walked) and {"seg", "cmp"} <= set(ids)
