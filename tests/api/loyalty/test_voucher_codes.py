"""Putting codes in pools: imported over HTTP and by the CLI, or generated; normalised and unique per tenant."""

import json

import pytest

from loyalty.vouchers import rules
from loyalty.vouchers.service import codes as codes_service
from tests.api.loyalty.vouchers import POOLS, create_pool, import_codes, lookalike_code, vouchers_of


@pytest.fixture(params=["postgresql", "portable"])
def insertion(request, monkeypatch):
    """Both ways of inserting a batch: COPY then INSERT … SELECT (PostgreSQL), and multi-row INSERTs (SQLite)."""
    if request.param == "portable":
        monkeypatch.setattr(codes_service, "_copy_then_insert", codes_service._insert_in_chunks)
    return request.param


def test_imported_codes_are_normalised_and_duplicates_in_any_pool_are_skipped_and_counted(tenant, insertion):
    first = create_pool(tenant)
    second = create_pool(tenant, direction="issue")
    import_codes(tenant, first, ["shared-0001", "ONLY0001"])

    result = import_codes(tenant, second, ["Shared 0001", "new-0001", "NEW0001", "ab", "x_y_z_1", "  fresh 42  "])

    assert result == {"imported": 2, "duplicates": 2, "invalid": [
        {"index": 3, "reason": "too_short", "message": "At least 4 letters or digits"},
        {"index": 4, "reason": "invalid_characters",
         "message": "Only letters A-Z and digits, with optional spaces and '-'"}]}
    assert sorted(v["code"] for v in vouchers_of(tenant, second)) == ["FRESH42", "NEW0001"]
    assert {v["status"] for v in vouchers_of(tenant, second)} == {"available"}


def test_the_same_code_in_two_tenants_is_two_codes(tenant, other_tenant):
    assert import_codes(tenant, create_pool(tenant), ["SAME1234"])["imported"] == 1
    assert import_codes(other_tenant, create_pool(other_tenant), ["SAME1234"])["imported"] == 1


def test_at_most_10000_codes_a_request(tenant):
    pool = create_pool(tenant)

    refused = import_codes(tenant, pool, [f"CODE{i:06d}" for i in range(10_001)], expect=422)
    accepted = import_codes(tenant, pool, [f"CODE{i:06d}" for i in range(10_000)])

    assert refused["reason"] == "invalid_request"
    assert accepted["imported"] == 10_000
    assert tenant.admin.get(f"{POOLS}/{pool['id']}", expect=200).get_json()["counts"]["total"] == 10_000


def test_a_code_that_looks_generated_is_imported_whatever_its_last_character(tenant, insertion):
    pool = create_pool(tenant)
    good, bad = rules.generate_code(), lookalike_code()

    result = import_codes(tenant, pool, [good, bad])

    assert rules.is_generated_shape(bad) and not rules.has_valid_check_character(bad)
    assert result == {"imported": 2, "duplicates": 0, "invalid": []}
    assert sorted(v["code"] for v in vouchers_of(tenant, pool)) == sorted([good, bad])


def test_generated_codes_are_unguessable_and_carry_a_check_character(tenant, insertion):
    pool = create_pool(tenant, direction="issue")

    result = tenant.admin.post(f"{POOLS}/{pool['id']}/codes/generate", {"count": 250}, expect=201).get_json()

    assert result == {"generated": 250}
    codes = [v["code"] for v in tenant.admin.get(f"{POOLS}/{pool['id']}/vouchers", query={"limit": 100},
                                                  expect=200).get_json()["data"]]
    assert all(rules.is_generated_shape(code) and rules.has_valid_check_character(code) for code in codes)
    assert tenant.admin.get(f"{POOLS}/{pool['id']}", expect=200).get_json()["counts"]["available"] == 250


def test_at_most_100000_codes_are_generated_at_once(tenant):
    pool = create_pool(tenant)

    for count in (0, 100_001, "ten"):
        assert tenant.admin.post(f"{POOLS}/{pool['id']}/codes/generate", {"count": count},
                                 expect=422).get_json()["reason"] == "invalid_request"


def test_the_cli_imports_a_file_of_codes_one_a_line_reporting_bad_lines(app, tenant, tmp_path, insertion):
    pool = create_pool(tenant)
    import_codes(tenant, pool, ["KNOWN0001"])
    path = tmp_path / "codes.txt"
    path.write_text("\n".join(["line-0001", "known 0001", "bad!", "", "LINE0002", "line0001", "x"]) + "\n")

    result = app.test_cli_runner().invoke(args=["vouchers", "import", pool["id"], str(path),
                                                                "--batch-size", "2"])

    assert result.exit_code == 0, result.output + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"imported": 2, "duplicates": 2, "invalid": 2}
    assert "line 3: invalid_characters" in result.stderr and "line 7: too_short" in result.stderr
    assert sorted(v["code"] for v in vouchers_of(tenant, pool)) == ["KNOWN0001", "LINE0001", "LINE0002"]


def test_the_cli_imports_a_code_that_looks_generated_whatever_its_last_character(app, tenant, tmp_path):
    pool = create_pool(tenant)
    code = lookalike_code()
    path = tmp_path / "codes.txt"
    path.write_text(code.lower() + "\n")

    result = app.test_cli_runner().invoke(args=["vouchers", "import", pool["id"], str(path)])

    assert result.exit_code == 0, result.output + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"imported": 1, "duplicates": 0, "invalid": 0}
    assert [v["code"] for v in vouchers_of(tenant, pool)] == [code]


def test_the_cli_takes_a_csvs_first_column_and_skips_its_header(app, tenant, tmp_path):
    pool = create_pool(tenant)
    path = tmp_path / "douyin-export.csv"
    path.write_text('券码,订单号,金额\n104686126200130,800001,5000\n"104686126200131",800002,5000\n',
                    encoding="utf-8-sig")

    result = app.test_cli_runner().invoke(args=["vouchers", "import", pool["id"], str(path)])

    assert result.exit_code == 0, result.output + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"imported": 2, "duplicates": 0, "invalid": 0}
    assert sorted(v["code"] for v in vouchers_of(tenant, pool)) == ["104686126200130", "104686126200131"]


def test_the_cli_refuses_an_unknown_or_archived_pool(app, tenant, tmp_path):
    pool = create_pool(tenant)
    tenant.admin.patch(f"{POOLS}/{pool['id']}", {"status": "archived"}, expect=200)
    path = tmp_path / "codes.txt"
    path.write_text("ABCD1234\n")
    runner = app.test_cli_runner()

    unknown = runner.invoke(args=["vouchers", "import", "vpl_nosuchpool", str(path)])
    archived = runner.invoke(args=["vouchers", "import", pool["id"], str(path)])

    assert unknown.exit_code != 0 and "No voucher pool vpl_nosuchpool" in unknown.stderr
    assert archived.exit_code != 0 and "archived" in archived.stderr
