"""Reading a file of codes, as the import command and the console's import both do."""

from __future__ import annotations

from loyalty.vouchers.files import code_rows, decode, is_csv_name


def test_a_text_file_is_one_code_a_line_with_blank_lines_skipped():
    assert list(code_rows(["AAAA1111\n", "\n", "  \n", "BBBB2222\n"], is_csv=False)) == [(1, "AAAA1111\n"),
                                                                                         (4, "BBBB2222\n")]


def test_a_csvs_first_column_holds_the_codes_under_a_header_without_digits():
    rows = ["券码,备注\n", "AAAA1111,first\n", ",empty\n", '"BBBB 2222",second\n']

    assert list(code_rows(rows, is_csv=True)) == [(2, "AAAA1111"), (4, "BBBB 2222")]


def test_a_csv_whose_first_row_is_a_code_keeps_it():
    assert list(code_rows(["AAAA1111\n", "BBBB2222\n"], is_csv=True)) == [(1, "AAAA1111"), (2, "BBBB2222")]


def test_uploads_are_read_as_utf8_with_or_without_a_bom_else_as_gb18030():
    assert decode("\ufeff券码\nAAAA1111".encode()) == "券码\nAAAA1111"
    assert decode("券码\nAAAA1111".encode("gb18030")) == "券码\nAAAA1111"
    assert is_csv_name("Douyin.CSV") and not is_csv_name("codes.txt")
