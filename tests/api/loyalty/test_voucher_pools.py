"""Voucher pools: two directions, face value and validity, counts, platform settings, archiving, roles."""

from datetime import UTC, datetime, timedelta

from tests.api.loyalty.vouchers import POOLS, create_pool, import_codes, pool_with_codes, verify

IN_A_MONTH = (datetime.now(UTC) + timedelta(days=30)).isoformat()


def test_a_pool_is_created_active_and_empty_and_shows_its_callback_secret_only_once(tenant):
    pool = create_pool(tenant, name="Douyin group-buy", platform="douyin", direction="accept", face_value=5000,
                       valid_until=IN_A_MONTH, description="Set meal for two")

    assert (pool["name"], pool["platform"], pool["direction"], pool["face_value"], pool["currency"],
            pool["status"]) == ("Douyin group-buy", "douyin", "accept", 5000, "CNY", "active")
    assert pool["counts"] == {"total": 0, "available": 0, "issued": 0, "locked": 0, "redeemed": 0, "expired": 0,
                              "void": 0, "conflicts": 0}
    assert pool["callback_secret"].startswith("vsec_")
    fetched = tenant.admin.get(f"{POOLS}/{pool['id']}", expect=200).get_json()
    listed = tenant.admin.get(POOLS, expect=200).get_json()["data"]
    assert "callback_secret" not in fetched and all("callback_secret" not in p for p in listed)
    assert [p["id"] for p in listed] == [pool["id"]]


def test_a_pool_needs_a_known_platform_and_direction_a_positive_face_value_and_a_future_end(tenant):
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    bad = [{"platform": "myspace"}, {"direction": "both"}, {"face_value": 0}, {"face_value": -5},
           {"valid_until": past}, {"valid_from": IN_A_MONTH, "valid_until": IN_A_MONTH}, {"name": ""},
           {"unexpected": 1}]

    refusals = [create_pool(tenant, expect=422, **fields) for fields in bad]

    assert {refusal["reason"] for refusal in refusals} == {"invalid_request"}
    assert tenant.admin.get(POOLS, expect=200).get_json()["data"] == []


def test_a_pool_without_a_face_value_is_allowed(tenant):
    assert create_pool(tenant, face_value=None)["face_value"] is None


def test_counts_follow_the_codes_of_the_pool(tenant):
    pool = pool_with_codes(tenant, ["AAAA1111", "BBBB2222", "CCCC3333"])
    verify(tenant.admin, "AAAA1111")

    counts = tenant.admin.get(f"{POOLS}/{pool['id']}", expect=200).get_json()["counts"]

    assert (counts["total"], counts["available"], counts["redeemed"]) == (3, 2, 1)


def test_douyin_credentials_are_write_only_and_merge_on_patch(tenant):
    pool = create_pool(tenant, platform="douyin", platform_settings={
        "base_url": "http://127.0.0.1:9", "client_key": "awx1", "client_secret": "s3cret", "poi_id": "7001"})

    assert pool["platform_settings"] == {"base_url": "http://127.0.0.1:9", "client_key": "awx1", "poi_id": "7001",
                                         "client_secret_set": True}
    patched = tenant.admin.patch(f"{POOLS}/{pool['id']}", {"platform_settings": {"poi_id": "7002"}},
                                 expect=200).get_json()
    assert patched["platform_settings"]["poi_id"] == "7002"
    assert patched["platform_settings"]["client_secret_set"] is True
    assert "s3cret" not in str(patched)


def test_platform_settings_are_checked_by_the_platforms_adapter(tenant):
    wrong_key = create_pool(tenant, platform="douyin", platform_settings={"api_key": "x"}, expect=422)
    not_a_url = create_pool(tenant, platform="douyin", platform_settings={"base_url": "nowhere"}, expect=422)
    generic = create_pool(tenant, platform="meituan", platform_settings={"client_key": "x"}, expect=422)

    assert all("platform_settings" in r["errors"]["json"] for r in (wrong_key, not_a_url, generic))


def test_a_pool_is_renamed_moved_and_archived_for_good(tenant):
    pool = pool_with_codes(tenant, ["ARCH1111", "ARCH2222"])
    later = (datetime.now(UTC) + timedelta(days=60)).isoformat()

    renamed = tenant.admin.patch(f"{POOLS}/{pool['id']}", {"name": "Renamed", "valid_until": later},
                                 expect=200).get_json()
    archived = tenant.admin.patch(f"{POOLS}/{pool['id']}", {"status": "archived"}, expect=200).get_json()

    assert renamed["name"] == "Renamed" and renamed["valid_until"].startswith(later[:16])
    assert archived["status"] == "archived" and archived["archived_at"] is not None
    assert (archived["counts"]["void"], archived["counts"]["available"]) == (2, 0)
    assert tenant.admin.patch(f"{POOLS}/{pool['id']}", {"status": "active"}, expect=422).get_json()[
        "reason"] == "invalid_request"
    assert verify(tenant.admin, "ARCH1111", expect=409)["reason"] == "voucher_void"
    assert import_codes(tenant, pool, ["ARCH3333"], expect=409)["reason"] == "voucher_pool_archived"


def test_admins_write_pools_staff_and_finance_read_them_consumers_see_none(tenant):
    pool = create_pool(tenant)
    staff, finance, shopper = tenant.key("staff"), tenant.key("finance"), tenant.consumer()

    for reader in (staff, finance):
        reader.get(f"{POOLS}/{pool['id']}", expect=200)
        reader.get(POOLS, expect=200)
        reader.get(f"{POOLS}/{pool['id']}/vouchers", expect=200)
        assert reader.post(POOLS, {"name": "x", "platform": "offline", "direction": "issue"},
                           expect=403).get_json()["reason"] == "forbidden"
        reader.patch(f"{POOLS}/{pool['id']}", {"name": "x"}, expect=403)
        reader.post(f"{POOLS}/{pool['id']}/codes", {"codes": ["ABCD1234"]}, expect=403)
        reader.post(f"{POOLS}/{pool['id']}/codes/generate", {"count": 1}, expect=403)
    shopper.get(POOLS, expect=403)


def test_another_tenants_pool_is_not_found(tenant, other_tenant):
    pool = create_pool(tenant)

    assert other_tenant.admin.get(f"{POOLS}/{pool['id']}", expect=404).get_json()["reason"] == "not_found"
    other_tenant.admin.post(f"{POOLS}/{pool['id']}/codes", {"codes": ["ABCD1234"]}, expect=404)
