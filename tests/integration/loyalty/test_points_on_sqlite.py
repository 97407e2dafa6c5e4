"""Points and coupons at checkout and payment on the embedded default (SQLite), which keeps the Wallet's path
(the one-statement hold and settlement are PostgreSQL's), end to end over HTTP in a process of its own."""

import pytest

from tests.integration.loyalty.embedded import run_embedded

pytestmark = pytest.mark.integration


def test_points_and_coupons_at_checkout_and_payment_work_on_the_embedded_default(tmp_path):
    found = run_embedded("tests.integration.loyalty.embedded_points", tmp_path)

    assert found["held"] == [70, 30]
    assert found["paid"] == [70 + 40, 0]  # 40 earned on the 40.00 paid (50.00 less the coupon's 10.00)
    assert found["cancelled"] == found["paid"]
    assert found["refused"] == ["insufficient_points", "coupon_not_applicable"]
