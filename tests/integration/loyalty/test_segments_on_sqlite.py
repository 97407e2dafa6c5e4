"""Segments' SQLite paths (the stage refresh reads then writes; no interval arithmetic there) on the embedded
default, end to end over HTTP in a process of its own."""

import pytest

from tests.integration.loyalty.embedded import run_embedded

pytestmark = pytest.mark.integration


def test_stages_scores_tags_segments_and_campaigns_work_on_the_embedded_default(tmp_path):
    found = run_embedded("tests.integration.loyalty.embedded_segments", tmp_path)

    assert found["stages"] == ["loyal", "new", "prospect"]
    assert found["scores"] == [2, 1, None]  # three orders in the window against one
    assert found["tag_count"] == 2
    assert found["preview"] == 2
    assert found["dry_run"] == {"audience": 2, "capped": 0, "eligible": 1,
                                "estimated_cost": {"amount": 1_000, "currency": "CNY"}}
    assert found["coupon_campaign"] == ["completed", 1, 0, 1]
    assert found["listed_loyal"] == [True]
    assert found["later"] == ["dormant", "dormant", "prospect"]
