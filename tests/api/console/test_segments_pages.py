"""Segments in the console: a rule built from rows of (field, operator, value) and all/any, never typed as JSON,
becomes the API's rule; a preview counts who matches before saving; the rule's errors are shown at the rows'
fields; an older edit form is refused; only admins use the page."""

from __future__ import annotations

import re

import pytest

from tests.api.console.conftest import new_key, signed_in
from tests.api.loyalty.segments.campaigns import segment as api_segment
from tests.api.shop.builders import create_product, paid_order, sku_id


def error_fields(response) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True)))


def segments_of(tenant) -> list[dict]:
    return tenant.admin.get("/v1/admin/segments", expect=200).get_json()["data"]


def a_buyer_and_a_browser(tenant):
    """Two customers: one with a paid order of 88.00, one who never bought."""
    buyer = tenant.consumer()
    paid_order(tenant, buyer, [(sku_id(create_product(tenant)), 1)])
    return buyer, tenant.consumer()


def test_a_rule_built_from_rows_is_the_apis_rule(admin_console, tenant):
    form = admin_console.form("/console/segments/new", "save")

    response = admin_console.submit("", "save", {
        "name": "Big spenders, not churned", "match": "all",
        "rules-0-field": "net_spend", "rules-0-op": "gte", "rules-0-value": "50.00",
        "rules-1-field": "stage", "rules-1-op": "in", "rules-1-value": "new, active，loyal",
        "rules-2-field": "referred", "rules-2-op": "eq", "rules-2-value": "否"}, form=form)

    assert response.status_code == 303 and "notice=created" in response.headers["Location"]
    [saved] = segments_of(tenant)
    assert saved["name"] == "Big spenders, not churned"
    assert saved["rule"] == {"all": [{"field": "net_spend", "op": "gte", "value": 5000},
                                     {"field": "stage", "op": "in", "value": ["new", "active", "loyal"]},
                                     {"field": "referred", "op": "eq", "value": False}]}
    assert response.headers["Location"].startswith(f"/console/segments/{saved['id']}")


def test_the_builder_offers_the_languages_fields_and_operators_and_no_json_box(admin_console):
    page = admin_console.get("/console/segments/new").get_data(as_text=True)

    for field in ("stage", "paid_orders", "net_spend", "last_paid_days", "registered_days", "points_balance",
                  "tag", "is_distributor", "referred"):
        assert f'<option value="{field}"' in page
    for op in ("eq", "ne", "gt", "gte", "lt", "lte", "in"):
        assert f'<option value="{op}"' in page
    assert 'name="rules-0-field"' in page and 'name="rules-0-op"' in page and 'name="rules-0-value"' in page
    assert "<textarea" not in page


def test_adding_and_removing_a_row_keeps_what_was_typed_and_saves_nothing(admin_console, tenant):
    form = admin_console.form("/console/segments/new", "add-rule")
    typed = {**form.fields, "name": "Regulars", "rules-0-field": "paid_orders", "rules-0-op": "gte",
             "rules-0-value": "3"}

    added = admin_console.post(form.action, {**typed, "do": "add-rule"})
    removed = admin_console.post(form.action, {**typed, "do": "remove-rule-0"})

    assert added.status_code == 200
    page = added.get_data(as_text=True)
    rows = set(re.findall(r'name="rules-(\d+)-field"', page))
    assert rows == {str(index) for index in range(len(rows))} and len(rows) == 3  # two offered, one added
    assert 'value="Regulars"' in page and 'name="rules-0-value"' in page and 'value="3"' in page
    assert 'name="rules-0-field"' not in removed.get_data(as_text=True)
    assert segments_of(tenant) == []


def test_the_preview_counts_who_matches_now_and_saves_nothing(admin_console, tenant):
    a_buyer_and_a_browser(tenant)
    form = admin_console.form("/console/segments/new", "preview")

    buyers = admin_console.post(form.action, {**form.fields, "do": "preview", "name": "Buyers",
                                              "rules-0-field": "paid_orders", "rules-0-op": "gte",
                                              "rules-0-value": "1"})
    everyone = admin_console.post(form.action, {**form.fields, "do": "preview", "match": "any",
                                                "rules-0-field": "stage", "rules-0-op": "eq", "rules-0-value": "new",
                                                "rules-1-field": "stage", "rules-1-op": "eq",
                                                "rules-1-value": "prospect"})

    assert buyers.status_code == everyone.status_code == 200
    assert 'data-preview-count="1"' in buyers.get_data(as_text=True)
    assert 'data-preview-count="2"' in everyone.get_data(as_text=True)
    assert segments_of(tenant) == []


@pytest.mark.parametrize("action", ["save", "preview"])
def test_the_rules_errors_are_shown_at_the_rows_fields_and_nothing_is_saved(admin_console, tenant, action):
    form = admin_console.form("/console/segments/new", action)

    response = admin_console.post(form.action, {
        **form.fields, "do": action, "name": "Broken",
        "rules-0-field": "paid_orders", "rules-0-op": "gte", "rules-0-value": "many",
        "rules-1-field": "", "rules-1-op": "eq", "rules-1-value": "",  # a blank row, left out
        "rules-2-field": "tag", "rules-2-op": "gt", "rules-2-value": "tag_nope",
        "rules-3-field": "tag", "rules-3-op": "eq", "rules-3-value": "tag_nope"})

    assert response.status_code == 422
    assert 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert error_fields(response) == {"rules-0-value"}  # read errors first: the service is not asked yet
    fixed = admin_console.post(form.action, {
        **form.fields, "do": action, "name": "Broken",
        "rules-0-field": "paid_orders", "rules-0-op": "gte", "rules-0-value": "1",
        "rules-2-field": "tag", "rules-2-op": "gt", "rules-2-value": "tag_nope",
        "rules-3-field": "tag", "rules-3-op": "eq", "rules-3-value": "tag_nope"})
    assert fixed.status_code == 422
    assert error_fields(fixed) == {"rules-2-op", "rules-3-value"}  # the API's rule.all.1.op and rule.all.2.value
    assert segments_of(tenant) == []


def test_a_segment_without_conditions_is_refused(admin_console, tenant):
    response = admin_console.submit("/console/segments/new", "save", {"name": "Nobody"})

    assert response.status_code == 422 and error_fields(response) == {"rules"}
    assert segments_of(tenant) == []


def test_the_list_shows_each_segment_with_its_member_count(admin_console, tenant):
    a_buyer_and_a_browser(tenant)
    buyers = api_segment(tenant, {"all": [{"field": "paid_orders", "op": "gte", "value": 1}]}, name="Buyers")
    everyone = api_segment(tenant, {"any": [{"field": "registered_days", "op": "gte", "value": 0}]}, name="All")

    page = admin_console.get("/console/segments").get_data(as_text=True)

    for found, count in ((buyers, 1), (everyone, 2)):
        row = re.search(rf'data-id="{found["id"]}".*?</tr>', page, re.S).group(0)
        assert found["name"] in row and f'data-figure="members">{count}<' in row


def test_editing_a_segment_shows_its_rule_as_rows_and_saves_the_change(admin_console, tenant):
    made = api_segment(tenant, {"any": [{"field": "net_spend", "op": "gt", "value": 12050},
                                        {"field": "is_distributor", "op": "eq", "value": True}]}, name="Either")
    path = f"/console/segments/{made['id']}"
    form = admin_console.form(path, "save")
    assert form.fields["match"] == "any" and form.fields["rules-0-value"] == "120.50"
    assert form.fields["rules-1-field"] == "is_distributor" and form.fields["rules-1-value"] in ("是", "yes")

    response = admin_console.submit(path, "save", {"name": "Either, renamed", "rules-0-value": "99"}, form=form)

    assert response.status_code == 303 and "notice=saved" in response.headers["Location"]
    saved = tenant.admin.get(f"/v1/admin/segments/{made['id']}", expect=200).get_json()
    assert saved["name"] == "Either, renamed"
    assert saved["rule"] == {"any": [{"field": "net_spend", "op": "gt", "value": 9900},
                                     {"field": "is_distributor", "op": "eq", "value": True}]}


def test_nested_groups_made_through_the_api_are_kept_when_the_rows_are_edited(admin_console, tenant):
    nested = {"any": [{"field": "paid_orders", "op": "gte", "value": 2}, {"field": "referred", "op": "eq",
                                                                          "value": True}]}
    made = api_segment(tenant, {"all": [{"field": "points_balance", "op": "gte", "value": 10}, nested]})
    path = f"/console/segments/{made['id']}"

    response = admin_console.submit(path, "save", {"rules-0-value": "20"})

    assert response.status_code == 303
    assert tenant.admin.get(f"/v1/admin/segments/{made['id']}", expect=200).get_json()["rule"] == {
        "all": [{"field": "points_balance", "op": "gte", "value": 20}, nested]}


def test_an_edit_form_older_than_another_clerks_save_is_refused(app, tenant, admin_console):
    made = api_segment(tenant, {"all": [{"field": "paid_orders", "op": "gte", "value": 1}]}, name="Buyers")
    path = f"/console/segments/{made['id']}"
    other_clerk = signed_in(app, tenant.admin_key)
    mine, theirs = admin_console.form(path, "save"), other_clerk.form(path, "save")

    first = other_clerk.submit(path, "save", {"name": "Their name"}, form=theirs)
    second = admin_console.submit(path, "save", {"name": "My name"}, form=mine)

    assert first.status_code == 303
    assert second.status_code == 409 and 'data-reason="stale_form"' in second.get_data(as_text=True)
    assert "Their name" in second.get_data(as_text=True)  # the page shows the record as it is now
    assert tenant.admin.get(f"/v1/admin/segments/{made['id']}", expect=200).get_json()["name"] == "Their name"


@pytest.mark.parametrize("role", ["finance", "staff"])
def test_only_admins_use_the_segments_pages(app, tenant, role):
    made = api_segment(tenant, {"all": [{"field": "paid_orders", "op": "gte", "value": 1}]})
    admin = signed_in(app, tenant.admin_key)
    token = admin.form("/console/segments/new", "save").fields["csrf_token"]
    clerk = signed_in(app, new_key(tenant, role))
    clerk_token = re.search(r'name="csrf_token" value="([^"]+)"',
                            clerk.get("/console/orders").get_data(as_text=True)).group(1)
    assert token

    for path in ("/console/segments", "/console/segments/new", f"/console/segments/{made['id']}"):
        response = clerk.get(path)
        assert response.status_code == 403 and 'data-reason="forbidden"' in response.get_data(as_text=True)
    posted = clerk.post("/console/segments/new", {"csrf_token": clerk_token, "name": "x", "rules-0-field": "stage",
                                                  "rules-0-op": "eq", "rules-0-value": "new"})
    assert posted.status_code == 403 and len(segments_of(tenant)) == 1
    assert 'data-nav="segments"' not in clerk.get("/console").get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(admin_console, tenant):
    form = admin_console.form("/console/segments/new", "save")
    fields = {**form.fields, "name": "x", "rules-0-field": "stage", "rules-0-op": "eq", "rules-0-value": "new"}
    fields.pop("csrf_token")

    response = admin_console.post(form.action, fields)

    assert response.status_code == 400 and 'data-reason="csrf_failed"' in response.get_data(as_text=True)
    assert segments_of(tenant) == []
