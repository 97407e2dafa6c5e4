def test_a_partial_patch_merges_into_the_settings(tenant):
    tenant.settings({"orders": {"unpaid_timeout_minutes": 15}})

    settings = tenant.settings({"loyalty": {"points_expiry": {"mode": "days", "days": 365}}})

    assert settings["orders"] == {"unpaid_timeout_minutes": 15, "after_sales_days": 7, "auto_complete_days": 10}
    assert settings["loyalty"]["points_expiry"] == {"mode": "days", "days": 365}
    assert settings["loyalty"]["point_value"] == 1


def test_invalid_values_are_422_and_change_nothing(tenant):
    before = tenant.admin.get("/v1/admin/settings", expect=200).get_json()

    response = tenant.admin.patch("/v1/admin/settings", {
        "orders": {"unpaid_timeout_minutes": 15, "after_sales_days": -1},
        "loyalty": {"points_expiry": {"mode": "days"}, "max_points_ratio": "1.5"},
        "auth": {"dev_login_enabled": True},
    }, expect=422)

    errors = response.get_json()["errors"]["json"]
    assert response.get_json()["reason"] == "invalid_request"
    assert "after_sales_days" in errors["orders"]
    assert "points_expiry" in errors["loyalty"] and "max_points_ratio" in errors["loyalty"]
    assert tenant.admin.get("/v1/admin/settings", expect=200).get_json() == before


def test_unknown_sections_and_keys_are_refused(tenant):
    tenant.admin.patch("/v1/admin/settings", {"nope": {"x": 1}}, expect=422)
    tenant.admin.patch("/v1/admin/settings", {"orders": {"unpaid_timeout": 5}}, expect=422)


def test_secrets_are_write_only(tenant):
    settings = tenant.settings({"payments": {"stripe_secret_key": "sk_test_secret", "stripe_webhook_secret": "whsec_x"},
                                "wechat": {"app_id": "wx123", "app_secret": "s3cret"}})

    raw = tenant.admin.get("/v1/admin/settings", expect=200).get_data(as_text=True)
    assert settings["payments"] == {"offline_self_confirm": False, "stripe_secret_key_set": True,
                                    "stripe_webhook_secret_set": True}
    assert settings["wechat"] == {"app_id": "wx123", "app_secret_set": True}
    assert "sk_test_secret" not in raw and "s3cret" not in raw and "whsec_x" not in raw


def test_consumers_cannot_read_settings(tenant):
    tenant.consumer().get("/v1/admin/settings", expect=403)
    tenant.storefront.get("/v1/admin/settings", expect=403)
