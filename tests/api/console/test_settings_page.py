"""Settings: every registered section is a form of `<section>-<key>` fields; invalid values are shown at their
fields and change nothing; money is typed in yuan; secrets stay unless a new one is typed."""

from __future__ import annotations

import re

from tenants.settings.registry import sections
from tests.support.console import forms_of


def section_form(browser, name: str):
    page = browser.get("/console/settings").get_data(as_text=True)
    return next(form for form in forms_of(page, "/console/settings") if form.action == f"/console/settings/{name}")


def save(browser, name: str, values: dict):
    form = section_form(browser, name)
    return browser.post(form.action, {**form.fields, **values})


def test_every_registered_section_is_a_form_of_section_key_fields(admin_console):
    page = admin_console.get("/console/settings").get_data(as_text=True)

    for name, registered in sections().items():
        assert f'data-section="{name}"' in page
        for key in registered.schema().fields:
            assert re.search(rf'name="{name}-{key}(-[a-z_]+)?"', page), f"{name}-{key} has no field"
    assert 'name="orders-unpaid_timeout_minutes"' in page and 'name="loyalty-points_expiry-mode"' in page


def test_a_saved_section_is_what_the_api_reads_money_in_yuan(admin_console, tenant):
    response = save(admin_console, "loyalty", {
        "loyalty-points_per_currency_unit": "2", "loyalty-earn_min_order_amount": "50.00",
        "loyalty-points_expiry-mode": "days", "loyalty-points_expiry-days": "365",
        "loyalty-max_points_ratio": "0.3", "loyalty-sign_in_points": "1，2、3, 5"})

    assert response.status_code == 303
    loyalty = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["loyalty"]
    assert loyalty["points_per_currency_unit"] == 2 and loyalty["earn_min_order_amount"] == 5000
    assert loyalty["points_expiry"] == {"mode": "days", "days": 365}
    assert loyalty["max_points_ratio"] == "0.3" and loyalty["sign_in_points"] == [1, 2, 3, 5]


def test_invalid_values_are_shown_at_their_fields_and_change_nothing(admin_console, tenant):
    before = tenant.admin.get("/v1/admin/settings", expect=200).get_json()

    orders = save(admin_console, "orders", {"orders-unpaid_timeout_minutes": "0", "orders-after_sales_days": "abc"})
    loyalty = save(admin_console, "loyalty", {"loyalty-points_expiry-mode": "days", "loyalty-points_expiry-days": ""})

    assert orders.status_code == loyalty.status_code == 422
    for response in (orders, loyalty):
        assert 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert set(re.findall(r'data-error-for="([^"]+)"', orders.get_data(as_text=True))) == {
        "orders-unpaid_timeout_minutes", "orders-after_sales_days"}
    assert re.findall(r'data-error-for="([^"]+)"', loyalty.get_data(as_text=True)) == ["loyalty-points_expiry-days"]
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json() == before


def test_a_secret_left_blank_stays_and_a_new_one_replaces_it(admin_console, tenant):
    tenant.settings({"wechat": {"app_id": "wx1", "app_secret": "first-secret"}})

    kept = save(admin_console, "wechat", {"wechat-app_id": "wx2", "wechat-app_secret": ""})
    assert kept.status_code == 303
    shown = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["wechat"]
    assert shown == {"app_id": "wx2", "app_secret_set": True}
    page = admin_console.get("/console/settings").get_data(as_text=True)
    assert "first-secret" not in page


def test_unticking_a_checkbox_saves_false(admin_console, tenant):
    tenant.settings({"auth": {"dev_login_enabled": True}})
    form = section_form(admin_console, "auth")
    fields = {**form.fields, "auth-dev_login_enabled": "off"}

    assert admin_console.post(form.action, fields).status_code == 303
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["auth"]["dev_login_enabled"] is False


# --- sections of the second wave ---

def test_every_second_wave_section_has_a_title_and_words_for_its_fields(english_console):
    page = english_console.get("/console/settings").get_data(as_text=True)

    for title in ("Distribution and withdrawals", "Referrals", "Vouchers", "Customer lifecycle", "Campaigns"):
        assert f">{title}</h2>" in page
    assert "Smallest withdrawal (yuan)" in page and "Churned after (days without a paid order)" in page
    assert '<option value="stripe_connect"' in page and "Stripe Connect</option>" in page


def test_the_distribution_section_saves_money_in_yuan_rates_choices_and_a_blank_as_none(admin_console, tenant):
    tenant.settings({"distribution": {"binding_days": 30}})
    form = section_form(admin_console, "distribution")
    assert form.fields["distribution-min_withdrawal"] == "1.00"  # 100 fen, shown in yuan

    response = admin_console.post(form.action, {
        **form.fields, "distribution-enabled": "on", "distribution-who": "spend_threshold",
        "distribution-spend_threshold": "199.90", "distribution-binding_days": "", "distribution-levels": "2",
        "distribution-level1_rate": "0.12", "distribution-min_withdrawal": "50", "distribution-payout_method":
        "stripe_connect"})

    assert response.status_code == 303
    saved = tenant.admin.get("/v1/admin/settings", expect=200).get_json()["distribution"]
    assert saved["enabled"] is True and saved["who"] == "spend_threshold" and saved["spend_threshold"] == 19990
    assert saved["binding_days"] is None and saved["levels"] == 2 and saved["level1_rate"] == "0.12"
    assert saved["min_withdrawal"] == 5000 and saved["payout_method"] == "stripe_connect"


def test_second_wave_sections_show_their_errors_at_their_fields_and_change_nothing(admin_console, tenant):
    before = tenant.admin.get("/v1/admin/settings", expect=200).get_json()

    distribution = save(admin_console, "distribution", {"distribution-level1_rate": "1.5", "distribution-levels": "3",
                                                        "distribution-min_withdrawal": "-1"})
    lifecycle = save(admin_console, "lifecycle", {"lifecycle-dormant_days": "200", "lifecycle-churned_days": "100"})
    referrals = save(admin_console, "referrals", {"referrals-inviter_coupon_template_id": "not-a-template",
                                                  "referrals-inviter_points": "x"})

    for response in (distribution, lifecycle, referrals):
        assert response.status_code == 422 and 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert error_fields(distribution) == {"distribution-level1_rate", "distribution-levels",
                                          "distribution-min_withdrawal"}
    assert error_fields(lifecycle) == {"lifecycle-churned_days"}  # the section's own rule: dormant before churned
    assert error_fields(referrals) == {"referrals-inviter_coupon_template_id", "referrals-inviter_points"}
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json() == before


def test_a_second_wave_section_changed_through_the_api_refuses_its_older_form(admin_console, tenant):
    form = section_form(admin_console, "campaigns")

    tenant.settings({"campaigns": {"max_grants_per_customer": 3}})
    response = admin_console.post(form.action, {**form.fields, "campaigns-cap_days": "30"})

    assert response.status_code == 409 and 'data-reason="stale_form"' in response.get_data(as_text=True)
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json()["campaigns"] == {
        "max_grants_per_customer": 3, "cap_days": 7}


def error_fields(response) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True)))
