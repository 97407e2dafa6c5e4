"""Vouchers in a real browser: a cashier at the counter with only a keyboard (as a barcode scanner types), and a
file of codes imported in the background while the pool's page follows it to the end."""

from __future__ import annotations

import time

from tests.browser.helpers import click, new_key, sign_in, wait_for_focus

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !(el.tagName === 'BUTTON' && el.innerText.trim()))
    .map(el => el.name || el.outerHTML.slice(0, 80))"""


def accept_pool(tenant, codes: list[str]) -> dict:
    pool = tenant.admin.post("/v1/admin/voucher-pools", {"name": "抖音双人套餐", "platform": "douyin",
                                                         "direction": "accept", "face_value": 9900},
                             expect=201).get_json()
    if codes:
        tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/codes", {"codes": codes}, expect=201)
    return pool


def scan(page, code: str):
    """What a scanner does: type into the focused field, then Enter; returns the answer's response."""
    wait_for_focus(page, "code")
    page.keyboard.type(code)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def test_a_cashier_verifies_a_code_with_the_keyboard_and_a_second_try_is_refused(page, tenant):
    accept_pool(tenant, ["DY20261125001"])
    sign_in(page, new_key(tenant, "staff"))
    page.goto("/console/verify")

    first = scan(page, "dy2026-1125-001")

    assert first.status == 200 and page.locator('[data-notice="verified"]').is_visible()
    assert page.locator('.counter-result [data-status="redeemed"]').is_visible()
    assert page.locator('[data-action="reverse"]').is_visible()

    second = scan(page, "DY20261125001")  # the field is empty and focused again: the next scan goes in

    assert second.status == 409
    refusal = page.locator('[data-reason="voucher_already_redeemed"]')
    assert refusal.is_visible() and "已" in refusal.inner_text() or "already" in refusal.inner_text()
    assert page.evaluate(UNLABELLED) == []


def test_a_cashier_undoes_a_redemption_from_the_keyboard(page, tenant):
    accept_pool(tenant, ["DY20261125002"])
    sign_in(page, new_key(tenant, "staff"))
    page.goto("/console/verify")
    scan(page, "DY20261125002")

    page.locator('[data-action="reverse"]').focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator('[data-notice="reversed"]').is_visible()
    assert page.locator('.counter-result [data-status="available"]').is_visible()
    assert page.locator('[data-action="reverse"]').count() == 0


def test_an_imported_file_is_followed_to_the_end(page, tenant, tmp_path):
    pool = accept_pool(tenant, [])
    total = 12_000  # three batches: the page shows the import between them
    codes = tmp_path / "codes.csv"
    codes.write_text("券码\n" + "".join(f"IMP{index:08d}\n" for index in range(total)) + "bad!\n", encoding="utf-8")
    sign_in(page, tenant.admin_key)
    page.goto(f"/console/vouchers/{pool['id']}")
    assert page.evaluate(UNLABELLED) == []

    page.set_input_files('[name="file"]', str(codes))
    click(page, '[data-action="import"]')

    assert page.locator('[data-notice="import_started"]').is_visible()
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not page.locator('[data-import][data-status="completed"]').count():
        progress = page.locator("[data-progress]")
        if progress.count():
            seen.append(int(progress.first.get_attribute("aria-valuenow")))
            assert int(progress.first.get_attribute("aria-valuemax")) == total + 1
        page.wait_for_timeout(500)
    assert page.locator('[data-import][data-status="completed"]').count() == 1, seen
    assert seen == sorted(seen) and all(0 <= value <= total + 1 for value in seen)
    assert page.locator('[data-figure="imported"] dd').inner_text() == f"{total:,}"
    assert page.locator('[data-figure="invalid"] dd').inner_text() == "1"
    assert page.locator("[data-progress]").count() == 0
    counts = tenant.admin.get(f"/v1/admin/voucher-pools/{pool['id']}", expect=200).get_json()["counts"]
    assert counts["available"] == total
