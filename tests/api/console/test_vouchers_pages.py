"""Voucher pools in the console: the list and a new pool, one pool's codes, generating codes, and a file of codes
imported in the background and followed on the page."""

from __future__ import annotations

import io
import re

from tests.api.console.conftest import new_key, signed_in


def errors_of(response) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', response.get_data(as_text=True)))


def new_pool(tenant, **terms) -> dict:
    body = {"name": "Douyin set meal", "platform": "douyin", "direction": "accept", "face_value": 5000, **terms}
    return tenant.admin.post("/v1/admin/voucher-pools", body, expect=201).get_json()


def upload(browser, pool_id: str, content: bytes, filename: str = "codes.txt"):
    form = browser.form(f"/console/vouchers/{pool_id}", "import")
    return browser.client.post(form.action, data={**form.fields, "file": (io.BytesIO(content), filename)},
                               headers=browser.headers, content_type="multipart/form-data")


def test_a_pool_is_created_with_a_yuan_face_value_and_its_secret_is_shown_once(admin_console, tenant):
    response = admin_console.submit("/console/vouchers", "save", {
        "name": "抖音套餐券", "platform": "douyin", "direction": "accept", "face_value": "58.80",
        "valid_until": "2030-01-01T00:00"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [pool] = tenant.admin.get("/v1/admin/voucher-pools", expect=200).get_json()["data"]
    assert (pool["name"], pool["platform"], pool["direction"], pool["face_value"]) == ("抖音套餐券", "douyin",
                                                                                       "accept", 5880)
    assert pool["valid_until"].startswith("2029-12-31T16:00")  # midnight in the shop's zone (Asia/Shanghai)
    assert re.search(r'data-secret="callback_secret">vsec_[\w-]+<', page)
    listed = admin_console.get("/console/vouchers").get_data(as_text=True)
    assert f'data-id="{pool["id"]}"' in listed and "vsec_" not in listed
    assert "vsec_" not in admin_console.get(f"/console/vouchers/{pool['id']}").get_data(as_text=True)


def test_a_pool_needs_a_name_and_a_known_platform(admin_console, tenant):
    response = admin_console.submit("/console/vouchers", "save", {"name": "", "platform": "myspace",
                                                                  "face_value": "abc"})

    assert response.status_code == 422
    assert 'data-reason="invalid_request"' in response.get_data(as_text=True)
    assert errors_of(response) == {"name", "platform", "face_value"}
    assert tenant.admin.get("/v1/admin/voucher-pools", expect=200).get_json()["data"] == []


def test_generating_codes_adds_them_once_even_if_the_form_is_sent_twice(admin_console, tenant):
    pool = new_pool(tenant)
    path = f"/console/vouchers/{pool['id']}"
    form = admin_console.form(path, "generate")

    first = admin_console.post(form.action, {**form.fields, "count": "25"})
    again = admin_console.post(form.action, {**form.fields, "count": "25"})

    assert first.status_code == 303 and "notice=generated" in first.headers["Location"]
    assert again.status_code == 409 and 'data-reason="stale_form"' in again.get_data(as_text=True)
    assert tenant.admin.get(f"/v1/admin/voucher-pools/{pool['id']}", expect=200).get_json()["counts"]["total"] == 25
    page = admin_console.get(path).get_data(as_text=True)
    assert page.count('data-status="available">') >= 25 and re.search(r'data-figure="total"><dt>[^<]*</dt><dd>25<',
                                                                       page)


def test_generating_too_many_or_none_is_shown_at_the_field(admin_console, tenant):
    pool = new_pool(tenant)

    too_many = admin_console.submit(f"/console/vouchers/{pool['id']}", "generate", {"count": "100001"})
    blank = admin_console.submit(f"/console/vouchers/{pool['id']}", "generate", {"count": ""})

    assert too_many.status_code == blank.status_code == 422
    assert errors_of(too_many) == errors_of(blank) == {"count"}


def test_an_imported_file_runs_in_the_background_and_the_page_shows_its_outcome(admin_console, tenant):
    pool = new_pool(tenant)
    held = tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/codes", {"codes": ["HELD0001"]},
                             expect=201).get_json()
    assert held["imported"] == 1
    content = "券码,备注\nABCD-1234,x\nheld0001,dup\n!!,bad\n\nEFGH 5678,y\n".encode()

    response = upload(admin_console, pool["id"], content, filename="douyin.csv")

    assert response.status_code == 303 and "notice=import_started" in response.headers["Location"]
    page = admin_console.get(f"/console/vouchers/{pool['id']}").get_data(as_text=True)
    [import_id] = re.findall(r'data-import="(vim_\w+)" data-status="completed"', page)
    assert re.search(r'data-figure="imported"><dt>[^<]*</dt><dd>2<', page)
    assert re.search(r'data-figure="duplicates"><dt>[^<]*</dt><dd>1<', page)
    assert re.search(r'data-figure="invalid"><dt>[^<]*</dt><dd>1<', page)
    assert "line 4" in page or "第 4 行" in page
    codes = tenant.admin.get(f"/v1/admin/voucher-pools/{pool['id']}/vouchers", expect=200).get_json()["data"]
    assert {voucher["code"] for voucher in codes} == {"ABCD1234", "EFGH5678", "HELD0001"}
    assert "data-progress" not in page and 'http-equiv="refresh"' not in page


def test_an_import_needs_a_file_with_codes(admin_console, tenant):
    pool = new_pool(tenant)
    form = admin_console.form(f"/console/vouchers/{pool['id']}", "import")

    missing = admin_console.post(form.action, form.fields)
    empty = upload(admin_console, pool["id"], b"\n\n")

    assert missing.status_code == empty.status_code == 422
    assert errors_of(missing) == errors_of(empty) == {"file"}


def test_an_archived_pool_takes_no_import(admin_console, tenant):
    pool = new_pool(tenant)
    form = admin_console.form(f"/console/vouchers/{pool['id']}", "import")
    tenant.admin.request("PATCH", f"/v1/admin/voucher-pools/{pool['id']}", json={"status": "archived"}, expect=200)
    fresh = admin_console.form(f"/console/vouchers/{pool['id']}", "import")

    stale = admin_console.client.post(form.action, data={**form.fields, "file": (io.BytesIO(b"ABCD1234\n"), "a.txt")},
                                      headers=admin_console.headers, content_type="multipart/form-data")
    refused = admin_console.client.post(fresh.action, data={**fresh.fields,
                                                            "file": (io.BytesIO(b"ABCD1234\n"), "a.txt")},
                                        headers=admin_console.headers, content_type="multipart/form-data")

    assert stale.status_code == 409 and 'data-reason="stale_form"' in stale.get_data(as_text=True)
    assert refused.status_code == 409 and 'data-reason="voucher_pool_archived"' in refused.get_data(as_text=True)


def test_the_codes_are_listed_by_status(admin_console, tenant):
    pool = new_pool(tenant)
    tenant.admin.post(f"/v1/admin/voucher-pools/{pool['id']}/codes", {"codes": ["ONE00001", "TWO00002"]}, expect=201)
    redeemed = tenant.admin.post("/v1/admin/vouchers/verify", {"code": "ONE00001"}, expect=200).get_json()

    page = admin_console.get(f"/console/vouchers/{pool['id']}?status=redeemed").get_data(as_text=True)

    assert f'data-id="{redeemed["id"]}"' in page and "TWO00002" not in page


def test_only_admins_use_the_voucher_pages(app, tenant):
    pool = new_pool(tenant)
    for role in ("finance", "staff"):
        browser = signed_in(app, new_key(tenant, role))
        for path in ("/console/vouchers", f"/console/vouchers/{pool['id']}"):
            response = browser.get(path)
            assert response.status_code == 403 and 'data-reason="forbidden"' in response.get_data(as_text=True)


def test_a_douyin_pool_takes_its_open_platform_settings_and_keeps_the_secret_unshown(admin_console, tenant):
    response = admin_console.submit("/console/vouchers", "save", {
        "name": "抖音团购", "platform": "douyin", "direction": "accept", "platform_settings-client_key": "awx123",
        "platform_settings-client_secret": "s3cret-value", "platform_settings-poi_id": "7001"})

    assert response.status_code == 200
    [pool] = tenant.admin.get("/v1/admin/voucher-pools", expect=200).get_json()["data"]
    settings = pool["platform_settings"]
    assert (settings["client_key"], settings["poi_id"], settings["client_secret_set"]) == ("awx123", "7001", True)
    page = admin_console.get(f"/console/vouchers/{pool['id']}").get_data(as_text=True)
    assert "awx123" in page and "s3cret-value" not in page


def test_settings_for_a_platform_that_takes_none_are_refused_at_their_field(admin_console, tenant):
    response = admin_console.submit("/console/vouchers", "save", {
        "name": "Gift", "platform": "offline", "direction": "issue", "platform_settings-client_key": "awx123",
        "platform_settings-client_secret": "s3cret-value"})

    assert response.status_code == 422
    assert "platform_settings-client_key" in errors_of(response)
    assert "s3cret-value" not in response.get_data(as_text=True)
