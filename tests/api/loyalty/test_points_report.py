from datetime import timedelta

from core import clock
from tests.api.loyalty.orders import checkout, paid_order, refund
from tests.api.loyalty.points import give_points

REPORT = "/v1/finance/reports/points"


def test_finance_sees_issued_spent_expired_reversed_and_the_liability(tenant):
    tenant.settings({"loyalty": {"point_value": 2, "points_expiry": {"mode": "days", "days": 5}}})
    alice, bob = tenant.consumer(), tenant.consumer()
    earning = paid_order(tenant, alice, amount=20_000)  # 200 issued
    tenant.settings({"loyalty": {"max_points_ratio": "1"}})  # an order paid with points alone
    paid_order(tenant, alice, amount=0, points=150)  # 150 spent
    refund(tenant, earning, amount=20_000)  # 200 back
    give_points(tenant, bob, 30)
    checkout(tenant, bob, points=10)  # held by an unpaid order
    tenant.settings({"loyalty": {"points_expiry": {"mode": "never"}, "points_pending_days": 30}})
    paid_order(tenant, bob, amount=7_000)  # 70 pending

    with clock.travel(timedelta(days=7)):  # bob's 20 available points expired (not yet recorded by the job)
        report = tenant.key("finance").get(REPORT, expect=200).get_json()

    assert report == {
        "issued": 300, "pending": 70, "spent": 150, "expired": 20, "reversed": 200,
        "outstanding": 80, "available": 0, "held": 10, "debt": 150,
        "liability": {"amount": 160, "currency": "CNY"},
    }
    assert report["issued"] - report["spent"] - report["expired"] - report["reversed"] == \
        report["outstanding"] - report["debt"]


def test_the_report_is_for_finance_and_admins(tenant):
    tenant.admin.get(REPORT, expect=200)
    tenant.key("staff").get(REPORT, expect=403)
    tenant.consumer().get(REPORT, expect=403)


def test_the_report_counts_only_its_own_tenant(tenant, other_tenant):
    give_points(other_tenant, other_tenant.consumer(), 500)

    report = tenant.admin.get(REPORT, expect=200).get_json()

    assert (report["issued"], report["outstanding"]) == (0, 0)
