from flask import Flask

from console.downloads import csv_download, csv_text


def test_csv_starts_with_a_byte_order_mark_and_keeps_chinese_and_commas():
    text = csv_text(["订单", "金额"], [["ord_1", "1,234.50"], ["ord_2", None]])

    assert text.startswith("\ufeff订单,金额\r\n")
    assert '"1,234.50"' in text and text.endswith("ord_2,\r\n")


def test_a_download_is_a_utf8_attachment_with_its_name_in_both_forms():
    with Flask(__name__).test_request_context():
        response = csv_download("对账单-2026-11.csv", ["a"], [[1]])

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().startswith("\ufeff".encode())
    assert "filename*=UTF-8''%E5%AF%B9%E8%B4%A6%E5%8D%95-2026-11.csv" in response.headers["Content-Disposition"]
