import pytest


def test_a_tenant_admin_reads_default_settings(tenant):
    settings = tenant.admin.get("/v1/admin/settings", expect=200).get_json()

    assert settings["auth"] == {"dev_login_enabled": False}
    assert settings["orders"] == {"unpaid_timeout_minutes": 30, "after_sales_days": 7, "auto_complete_days": 10}
    assert settings["loyalty"]["max_points_ratio"] == "0.5"
    assert settings["loyalty"]["points_expiry"] == {"mode": "never", "days": None}
    assert settings["payments"] == {"offline_self_confirm": False, "stripe_secret_key_set": False,
                                    "stripe_webhook_secret_set": False}


def test_a_consumer_logs_in_with_the_dev_provider_and_sees_herself(tenant):
    shopper = tenant.consumer("openid-alice")

    me = shopper.get("/v1/storefront/me", expect=200).get_json()

    assert me["id"] == shopper.customer_id
    assert tenant.consumer("openid-alice").customer_id == shopper.customer_id


def test_flask_s_own_cookie_session_is_switched_off(app, tenant):
    from flask import session

    response = tenant.consumer().get("/v1/storefront/me", expect=200)

    assert not response.headers.getlist("Set-Cookie")
    with app.test_request_context("/"):
        app.preprocess_request()
        with pytest.raises(RuntimeError, match="switched off"):
            session["cart"] = "kept nowhere"
