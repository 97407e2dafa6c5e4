"""Segments, campaigns and the second wave's settings in a real browser: a segment built in the rule builder
(selects and plain values, no JSON), a coupon campaign for it, its dry-run cost, its launch followed until the
worker has granted it, and its outcome; settings errors shown at their fields."""

from __future__ import annotations

from tests.api.loyalty.segments.campaigns import coupon_template
from tests.api.shop.builders import create_product, paid_order, sku_id
from tests.browser.helpers import click, sign_in

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !(el.tagName === 'BUTTON' && el.innerText.trim()))
    .map(el => el.name || el.outerHTML.slice(0, 80))"""


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"] dd').first.inner_text().strip()


def test_a_campaign_built_in_the_rule_builder_is_dry_run_launched_and_its_outcome_shown(page, tenant):
    product = create_product(tenant, skus=[{"name": "250 g", "price": 8800, "stock": 20}])
    for _ in range(2):
        paid_order(tenant, tenant.consumer(), [(sku_id(product), 1)])
    tenant.consumer()  # registered, never bought: not in the segment
    template = coupon_template(tenant, name="回购券", amount_off=1000)
    sign_in(page, tenant.admin_key)

    # The segment: chosen from selects, values typed as plain words and numbers.
    page.goto("/console/segments/new")
    page.fill('[name="name"]', "买过的客户")
    page.select_option('[name="match"]', "all")
    page.select_option('[name="rules-0-field"]', "paid_orders")
    page.select_option('[name="rules-0-op"]', "gte")
    page.fill('[name="rules-0-value"]', "1")
    click(page, '[data-action="add-rule"]')
    assert page.locator('[name="rules-2-field"]').count() == 1 and page.input_value('[name="rules-0-value"]') == "1"
    page.select_option('[name="rules-1-field"]', "stage")
    assert page.get_attribute('[name="rules-1-value"]', "list") == "rule-values-stage"  # stages suggested
    page.select_option('[name="rules-1-op"]', "ne")
    page.fill('[name="rules-1-value"]', "churned")
    click(page, '[data-action="preview"]')
    assert page.locator("[data-preview-count]").get_attribute("data-preview-count") == "2"
    click(page, '[data-action="save"]')
    assert page.locator('[data-notice="created"]').is_visible()
    segment_id = page.locator(".page-head[data-id]").get_attribute("data-id")
    assert page.locator('.page-head [data-figure="members"]').inner_text() == "2"

    # The campaign, for that segment, granting the coupon.
    page.goto("/console/campaigns")
    page.fill('[name="name"]', "老客回购")
    page.select_option('[name="segment_id"]', segment_id)
    page.select_option('[name="action-kind"]', "grant_points")
    assert page.locator('[name="action-points"]').is_visible()
    assert not page.locator('[name="action-coupon_template_id"]').is_visible()
    page.select_option('[name="action-kind"]', "grant_coupon")
    page.select_option('[name="action-coupon_template_id"]', template["id"])
    click(page, '[data-action="save"]')
    assert page.locator('.page-head [data-status="draft"]').is_visible()

    click(page, '[data-action="dry-run"]')
    assert figure(page, "eligible") == "2" and figure(page, "coupons") == "2"
    assert figure(page, "cost") == "¥ 20.00"
    assert tenant.admin.get(f"/v1/admin/coupon-templates/{template['id']}", expect=200).get_json()["issued_count"] == 0

    click(page, '[data-action="launch"]')
    assert page.locator('[data-notice="launched"]').is_visible()
    if page.locator('.page-head [data-status="running"]').count():  # unless the worker was quicker than the page
        assert page.locator("[data-progress]").get_attribute("aria-valuenow") is not None
    # The page reloads itself while the worker grants; it stops once the campaign is completed.
    page.wait_for_selector('.page-head [data-status="completed"]', timeout=30_000)
    assert page.locator("[data-progress]").count() == 0
    assert figure(page, "granted") == "2" and page.locator('[data-chart="campaign-outcome"]').is_visible()
    assert tenant.admin.get(f"/v1/admin/coupon-templates/{template['id']}", expect=200).get_json()["issued_count"] == 2

    page.goto("/console/campaigns")
    row = page.locator("tr[data-id]").first
    assert row.locator('[data-status="completed"]').is_visible()


def test_second_wave_settings_errors_are_shown_at_their_fields(page, tenant):
    sign_in(page, tenant.admin_key)
    page.goto("/console/settings")
    lifecycle = page.locator('[data-section="lifecycle"]')

    lifecycle.locator('[name="lifecycle-dormant_days"]').fill("200")
    lifecycle.locator('[name="lifecycle-churned_days"]').fill("100")
    response = click(page, '[data-section="lifecycle"] [data-action="save"]')

    assert response.status == 422 and page.locator('[data-reason="invalid_request"]').is_visible()
    assert page.locator('[data-error-for="lifecycle-churned_days"]').is_visible()
    assert page.locator('[name="lifecycle-churned_days"]').get_attribute("aria-invalid") == "true"
    assert page.locator('[name="lifecycle-churned_days"]').input_value() == "100"  # what was typed stays
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["lifecycle"]["churned_days"] == 180

    distribution = page.locator('[data-section="distribution"]')
    distribution.locator('[name="distribution-level1_rate"]').fill("1.5")
    response = click(page, '[data-section="distribution"] [data-action="save"]')
    assert response.status == 422 and page.locator('[data-error-for="distribution-level1_rate"]').is_visible()


def test_every_control_of_the_segments_and_campaigns_pages_has_a_label(page, tenant):
    audience = tenant.admin.post("/v1/admin/segments", {"name": "Everyone", "rule": {"all": [
        {"field": "registered_days", "op": "gte", "value": 0}]}}, expect=201).get_json()
    made = tenant.admin.post("/v1/admin/campaigns", {"name": "Bonus", "segment_id": audience["id"], "action": {
        "kind": "grant_points", "points": 10}}, expect=201).get_json()
    sign_in(page, tenant.admin_key)

    for path in ("/console/segments", "/console/segments/new", f"/console/segments/{audience['id']}",
                 "/console/campaigns", f"/console/campaigns/{made['id']}?dry_run=1"):
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path
