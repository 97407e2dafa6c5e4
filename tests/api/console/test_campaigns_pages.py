"""Campaigns in the console: created for a segment with the API's fields, dry-run (its cost, nothing granted),
launched through the background job and followed until done, each with its outcome and chart; finance reads
and dry-runs them but may not create or launch; an older launch form is refused."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from core import clock, jobs
from core.jobs.runner import run_due
from loyalty.segments.service.granting import WATCH_AFTER
from tests.api.console.conftest import new_key, signed_in
from tests.api.loyalty.segments.campaigns import campaign as api_campaign
from tests.api.loyalty.segments.campaigns import coupon_template, tagged
from tests.api.loyalty.segments.campaigns import launch as api_launch
from tests.api.shop.builders import create_product, pay_offline, place_order, sku_id
from tests.support.console import forms_of


def error_fields(response) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True)))


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}"><dt>[^<]*</dt>\s*<dd>([^<]*)</dd>', html).group(1).strip()


def campaigns_of(tenant) -> list[dict]:
    return tenant.admin.get("/v1/admin/campaigns", expect=200).get_json()["data"]


def three_customers(tenant) -> dict:
    """A segment of three customers (a manual tag)."""
    customer_ids = [tenant.consumer().customer_id for _ in range(3)]
    return {**tagged(tenant, customer_ids, name="Three friends"), "customer_ids": customer_ids}


def test_a_coupon_campaign_is_created_for_a_segment_as_a_draft(admin_console, tenant):
    audience = three_customers(tenant)
    template = coupon_template(tenant, amount_off=1000)

    response = admin_console.submit("/console/campaigns", "save", {
        "name": "Come back", "segment_id": audience["id"], "action-kind": "grant_coupon",
        "action-coupon_template_id": template["id"]})

    assert response.status_code == 303 and "notice=created" in response.headers["Location"]
    [made] = campaigns_of(tenant)
    assert made["name"] == "Come back" and made["status"] == "draft" and made["segment_id"] == audience["id"]
    assert made["action"] == {"kind": "grant_coupon", "coupon_template_id": template["id"]}
    assert response.headers["Location"].startswith(f"/console/campaigns/{made['id']}")


def test_a_points_campaign_takes_its_points_and_leaves_the_coupon_out(admin_console, tenant):
    audience = three_customers(tenant)
    coupon_template(tenant)  # offered in the select; not sent for a points grant

    response = admin_console.submit("/console/campaigns", "save", {
        "name": "Bonus", "segment_id": audience["id"], "action-kind": "grant_points", "action-points": "1,000"})

    assert response.status_code == 303
    assert campaigns_of(tenant)[0]["action"] == {"kind": "grant_points", "points": 1000}


def test_the_apis_refusals_are_shown_at_their_fields_and_nothing_is_created(admin_console, tenant, other_tenant):
    audience = three_customers(tenant)
    foreign = tagged(other_tenant, [other_tenant.consumer().customer_id])

    blank = admin_console.submit("/console/campaigns", "save", {
        "name": "", "segment_id": audience["id"], "action-kind": "grant_coupon", "action-coupon_template_id": ""})
    points = admin_console.submit("/console/campaigns", "save", {
        "name": "Bonus", "segment_id": audience["id"], "action-kind": "grant_points", "action-points": "lots"})
    elsewhere = admin_console.submit("/console/campaigns", "save", {
        "name": "Bonus", "segment_id": foreign["id"], "action-kind": "grant_points", "action-points": "10"})

    assert blank.status_code == points.status_code == elsewhere.status_code == 422
    assert error_fields(blank) == {"name", "action-coupon_template_id"}
    assert error_fields(points) == {"action-points"}
    assert error_fields(elsewhere) == {"segment_id"}  # another tenant's segment is no segment at all
    assert 'data-reason="invalid_request"' in elsewhere.get_data(as_text=True)
    assert campaigns_of(tenant) == []


def test_a_dry_run_shows_the_cost_and_grants_nothing(admin_console, tenant):
    audience = three_customers(tenant)
    template = coupon_template(tenant, amount_off=1250)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_coupon", "coupon_template_id": template["id"]})
    path = f"/console/campaigns/{made['id']}"
    assert 'data-action="dry-run"' in admin_console.get(path).get_data(as_text=True)

    page = admin_console.get(f"{path}?dry_run=1").get_data(as_text=True)

    assert figure(page, "audience") == "3" and figure(page, "eligible") == "3" and figure(page, "coupons") == "3"
    assert figure(page, "cost") == "¥ 37.50"
    assert tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()["status"] == "draft"
    assert tenant.admin.get(f"/v1/admin/coupon-templates/{template['id']}", expect=200).get_json()["issued_count"] == 0


def test_a_points_dry_run_counts_the_points(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 200})

    page = admin_console.get(f"/console/campaigns/{made['id']}?dry_run=1").get_data(as_text=True)

    assert figure(page, "points") == "600"


def test_a_launch_is_followed_until_the_job_is_done_then_the_outcome_is_shown(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    path = f"/console/campaigns/{made['id']}"
    form = admin_console.form(path, "launch")
    # The jobs wait in the outbox, as they would for a worker, so the page can be seen while they run.
    saved_mode, jobs.runtime.mode = jobs.runtime.mode, "inline"
    try:
        launched = admin_console.submit(path, "launch", form=form)
        running = admin_console.get(path).get_data(as_text=True)
    finally:
        jobs.runtime.mode = saved_mode

    assert launched.status_code == 303 and "notice=launched" in launched.headers["Location"]
    assert 'data-status="running"' in running and 'http-equiv="refresh"' in running
    assert re.search(r'data-progress[^>]*aria-valuemax="3" aria-valuenow="0"', running)
    run_due(tenant_id=tenant.id)
    done = admin_console.get(path).get_data(as_text=True)
    assert 'data-status="completed"' in done and "data-progress" not in done and 'http-equiv="refresh"' not in done
    assert figure(done, "granted") == "3" and 'data-chart="campaign-outcome"' in done
    assert 'data-action="launch"' not in done


def a_draft_and_a_finished_campaign(tenant) -> tuple[dict, dict]:
    """Two campaigns of five points to the same three customers: "Later", a draft, and "Done", launched."""
    audience = three_customers(tenant)
    draft = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 5}, name="Later")
    finished = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 5}, name="Done")
    api_launch(tenant, finished["id"])
    return draft, finished


def test_the_list_shows_each_campaigns_status_and_outcome(admin_console, tenant):
    draft, finished = a_draft_and_a_finished_campaign(tenant)

    page = admin_console.get("/console/campaigns").get_data(as_text=True)

    for made, status, granted in ((draft, "draft", "0"), (finished, "completed", "3")):
        row = re.search(rf'<tr data-id="{made["id"]}">.*?</tr>', page, re.S).group(0)
        assert f'data-status="{status}"' in row and f'<td class="num">{granted}</td>' in row


def test_a_second_launch_form_is_refused_and_the_campaign_runs_once(app, tenant, admin_console):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    path = f"/console/campaigns/{made['id']}"
    other_tab = admin_console.form(path, "launch")

    first = admin_console.submit(path, "launch")
    again = admin_console.submit(path, "launch", form=other_tab)

    assert first.status_code == 303
    assert again.status_code == 409 and 'data-reason="stale_form"' in again.get_data(as_text=True)
    shown = tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()
    assert shown["status"] == "completed" and shown["granted"] == 3


def test_a_launch_form_older_than_an_api_launch_is_refused(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    form = admin_console.form(f"/console/campaigns/{made['id']}", "launch")

    api_launch(tenant, made["id"])
    response = admin_console.submit("", "launch", form=form)

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)
    assert 'data-status="completed"' in response.get_data(as_text=True)


def test_finance_reads_and_dry_runs_campaigns_but_may_not_create_or_launch(app, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    finance = signed_in(app, new_key(tenant, "finance"))
    listed = finance.get("/console/campaigns").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed).group(1)

    detail = finance.get(f"/console/campaigns/{made['id']}?dry_run=1")
    created = finance.post("/console/campaigns", {"csrf_token": token, "name": "x", "segment_id": audience["id"],
                                                  "action-kind": "grant_points", "action-points": "1"})
    launched = finance.post(f"/console/campaigns/{made['id']}/launch", {"csrf_token": token, "form_version": "x"})

    assert made["id"] in listed and 'data-action="save"' not in listed
    assert detail.status_code == 200 and figure(detail.get_data(as_text=True), "eligible") == "3"
    assert 'data-action="launch"' not in detail.get_data(as_text=True)
    for refused in (created, launched):
        assert refused.status_code == 403 and 'data-reason="forbidden"' in refused.get_data(as_text=True)
    assert [campaign["status"] for campaign in campaigns_of(tenant)] == ["draft"]


@pytest.mark.parametrize("path", ["/console/campaigns", "/console/campaigns/{id}"])
def test_staff_may_not_see_campaigns(app, tenant, path):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    staff = signed_in(app, new_key(tenant, "staff"))

    response = staff.get(path.format(id=made["id"]))

    assert response.status_code == 403 and 'data-reason="forbidden"' in response.get_data(as_text=True)


def test_a_coupon_campaigns_outcome_counts_its_coupons_used_on_paid_orders(admin_console, tenant):
    buyer, idle = tenant.consumer(), tenant.consumer()
    template = coupon_template(tenant, amount_off=1_000)
    made = api_campaign(tenant, tagged(tenant, [buyer.customer_id, idle.customer_id])["id"],
                        {"kind": "grant_coupon", "coupon_template_id": template["id"]})
    api_launch(tenant, made["id"])
    [coupon] = buyer.get("/v1/storefront/coupons", expect=200).get_json()["data"]
    product = create_product(tenant, skus=[{"name": "250 g", "price": 10_000, "stock": 5}])
    pay_offline(tenant, place_order(buyer, [(sku_id(product), 1)], coupon_id=coupon["id"]))

    page = admin_console.get(f"/console/campaigns/{made['id']}").get_data(as_text=True)

    assert figure(page, "granted") == "2" and figure(page, "redeemed") == "1" and figure(page, "orders") == "1"
    assert figure(page, "revenue") == "¥ 90.00"
    chart = re.search(r'data-chart="campaign-outcome".*?</figure>', page, re.S).group(0)
    assert chart.count("<rect") == 5  # audience, granted, skipped, redeemed, orders


def test_every_form_carries_the_csrf_token_and_a_launch_without_it_is_refused(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    path = f"/console/campaigns/{made['id']}"
    for page in ("/console/campaigns", path):
        for form in forms_of(admin_console.get(page).get_data(as_text=True), page):
            assert form.method == "get" or form.fields.get("csrf_token"), f"{page} {form.action}"
    launch = admin_console.form(path, "launch")
    fields = dict(launch.fields)
    fields.pop("csrf_token")

    response = admin_console.post(launch.action, fields)

    assert response.status_code == 400 and 'data-reason="csrf_failed"' in response.get_data(as_text=True)
    assert tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()["status"] == "draft"


def test_two_clerks_launching_at_once_launch_the_campaign_once(app, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    path = f"/console/campaigns/{made['id']}"
    clerks = [signed_in(app, tenant.admin_key) for _ in range(3)]
    forms = [clerk.form(path, "launch") for clerk in clerks]
    barrier = threading.Barrier(len(clerks))
    responses = []

    def launch(clerk, form):
        barrier.wait()
        responses.append(clerk.submit(path, "launch", form=form))

    threads = [threading.Thread(target=launch, args=pair) for pair in zip(clerks, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each form's version is checked under the campaign's row lock: the first launch moves it, so the others
    # find their form stale (were it not for the lock, the service's guarded update would refuse them).
    assert sorted(response.status_code for response in responses) == [303, 409, 409]
    # The winner's first batch runs right after its commit. If a losing clerk's transaction still holds the
    # campaign's row then, the batch stands aside (SKIP LOCKED) and its watch, due WATCH_AFTER later, grants.
    with clock.travel(WATCH_AFTER + timedelta(seconds=1)):
        run_due(tenant_id=tenant.id)
    shown = tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()
    assert shown["status"] == "completed" and shown["granted"] == 3


# --- a draft's row in the list: its dry run and its launch, as on its page ----------------------------------

def row_of(page: str, campaign_id: str) -> str:
    """The list's row standing for one campaign (its data-id element)."""
    found = re.search(rf'<tr data-id="{campaign_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, campaign_id
    return found.group(0)


def form_in_row(browser, campaign_id: str, action: str):
    """The form of `action` inside the campaign's row on the list."""
    page = browser.get("/console/campaigns").get_data(as_text=True)
    [form] = [form for form in forms_of(row_of(page, campaign_id), "/console/campaigns") if action in form.actions]
    return form


def test_each_draft_carries_its_launch_and_dry_run_in_its_row_and_others_do_not(admin_console, tenant):
    draft, finished = a_draft_and_a_finished_campaign(tenant)

    page = admin_console.get("/console/campaigns").get_data(as_text=True)

    [launch] = [form for form in forms_of(row_of(page, draft["id"])) if "launch" in form.actions]
    assert launch.method == "post" and launch.fields["csrf_token"] and launch.fields["form_version"]
    assert 'data-action="dry-run"' in row_of(page, draft["id"])
    assert 'data-action="launch"' not in row_of(page, finished["id"])
    assert 'data-action="dry-run"' not in row_of(page, finished["id"])


def test_a_dry_run_from_the_list_shows_the_cost_in_the_drafts_row_and_grants_nothing(admin_console, tenant):
    audience = three_customers(tenant)
    template = coupon_template(tenant, amount_off=1250)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_coupon", "coupon_template_id": template["id"]})
    other = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 5}, name="Other")
    dry_run = form_in_row(admin_console, made["id"], "dry-run")

    response = admin_console.get(dry_run.action, query_string={**dry_run.fields, "dry_run": made["id"]})

    page = response.get_data(as_text=True)
    row = row_of(page, made["id"])
    assert response.status_code == 200 and dry_run.method == "get"
    assert figure(row, "eligible") == "3" and figure(row, "coupons") == "3" and figure(row, "cost") == "¥ 37.50"
    assert "data-dry-run" not in row_of(page, other["id"])
    assert tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()["status"] == "draft"
    assert tenant.admin.get(f"/v1/admin/coupon-templates/{template['id']}", expect=200).get_json()["issued_count"] == 0


def test_a_draft_launched_from_its_row_goes_on_to_its_page_as_from_the_detail_page(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    form = form_in_row(admin_console, made["id"], "launch")

    launched = admin_console.submit("/console/campaigns", "launch", form=form)

    assert launched.status_code == 303
    assert launched.headers["Location"].startswith(f"/console/campaigns/{made['id']}?")
    assert "notice=launched" in launched.headers["Location"]
    shown = tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()
    assert shown["status"] == "completed" and shown["granted"] == 3
    assert 'data-action="launch"' not in row_of(admin_console.get("/console/campaigns").get_data(as_text=True),
                                                made["id"])


def test_a_launch_form_from_the_list_older_than_a_launch_is_refused_at_its_row(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    other_tab = form_in_row(admin_console, made["id"], "launch")
    api_launch(tenant, made["id"])

    response = admin_console.submit("/console/campaigns", "launch", form=other_tab)

    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-reason="stale_form"' in page
    row = row_of(page, made["id"])  # the list again, the campaign as it is now
    assert 'class="refused-row"' in row and 'data-status="completed"' in row and 'data-action="launch"' not in row
    shown = tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()
    assert shown["status"] == "completed" and shown["granted"] == 3


def test_a_launch_from_the_list_without_the_csrf_token_is_refused(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    form = form_in_row(admin_console, made["id"], "launch")
    fields = dict(form.fields)
    fields.pop("csrf_token")

    response = admin_console.post(form.action, fields)

    assert response.status_code == 400 and 'data-reason="csrf_failed"' in response.get_data(as_text=True)
    assert tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()["status"] == "draft"


def test_finance_dry_runs_from_the_list_but_has_no_launch_there_and_may_not_launch_from_it(app, tenant,
                                                                                            admin_console):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})
    admins_form = form_in_row(admin_console, made["id"], "launch")
    finance = signed_in(app, new_key(tenant, "finance"))
    listed = finance.get("/console/campaigns").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed).group(1)

    costed = finance.get("/console/campaigns", query_string={"dry_run": made["id"]})
    launched = finance.post(admins_form.action, {**admins_form.fields, "csrf_token": token})

    assert 'data-action="launch"' not in row_of(listed, made["id"])
    assert 'data-action="dry-run"' in row_of(listed, made["id"])
    assert costed.status_code == 200 and figure(row_of(costed.get_data(as_text=True), made["id"]), "points") == "150"
    assert launched.status_code == 403 and 'data-reason="forbidden"' in launched.get_data(as_text=True)
    assert tenant.admin.get(f"/v1/admin/campaigns/{made['id']}", expect=200).get_json()["status"] == "draft"


def test_on_its_page_a_drafts_actions_sit_inside_the_element_carrying_its_id(admin_console, tenant):
    audience = three_customers(tenant)
    made = api_campaign(tenant, audience["id"], {"kind": "grant_points", "points": 50})

    page = admin_console.get(f"/console/campaigns/{made['id']}").get_data(as_text=True)

    [element] = re.findall(rf'<(\w+)[^>]* data-id="{made["id"]}"', page)
    inside = re.search(rf'<{element}[^>]* data-id="{made["id"]}"[^>]*>(.*)</{element}>', page, re.S).group(1)
    assert 'data-action="launch"' in inside and 'data-action="dry-run"' in inside
    assert 'data-status="draft"' in inside
