"""The commissions report and the reconciliation of a healthy shop: flows within the period, balances at its
end, and the chain from orders to payouts tying together with no discrepancy."""

from datetime import timedelta

from core import clock
from tests.api.distribution.builders import approved_distributor, bound_to, buy, close_after_sales, product, settle
from tests.api.finance.builders import move, pay_by_hand, reconciliation, shop_with_distribution, withdraw


def refund(tenant, order, amount):
    return tenant.admin.post(f"/v1/admin/orders/{order['id']}/refunds", {"amount": amount}, expect=201).get_json()


def commissions_report(tenant, **period):
    return tenant.admin.get("/v1/finance/reports/commissions", query=period, expect=200).get_json()


def test_the_commissions_report_counts_what_refunds_took_and_where_the_money_stands(tenant):
    shop_with_distribution(tenant)
    tenant.settings({"distribution": {"withdrawal_fee_rate": "0.1"}})
    distributor = approved_distributor(tenant)
    buyer = bound_to(tenant, distributor)
    _tea, tea = product(tenant, 10_000)
    _cup, cup = product(tenant, 5_000)
    kept, returned = buy(tenant, buyer, tea), buy(tenant, buyer, cup)  # 1,000 and 500 accrued
    refund(tenant, kept, 3_000)  # 1,000 -> 700: 300 clawed back
    refund(tenant, returned, 5_000)  # the 500 left is cancelled
    close_after_sales(tenant, kept)
    settle(tenant)  # 700
    paid = withdraw(distributor, 500)
    pay_by_hand(tenant, paid)  # 500 gross: 450 paid, 50 fees
    withdraw(distributor, 100)  # still withdrawing

    report = commissions_report(tenant)

    assert {key: report[key] for key in ("accrued", "clawed_back", "cancelled", "settled", "withdrawn", "fees",
                                         "frozen", "available", "withdrawing")} == {
        "accrued": 1500, "clawed_back": 300, "cancelled": 500, "settled": 700, "withdrawn": 500, "fees": 50,
        "frozen": 0, "available": 100, "withdrawing": 100}
    assert (report["requested"], report["returned"], report["paid"]) == (600, 0, 450)
    whole = reconciliation(tenant)
    assert whole["orders"] == {"paid": 15_000, "paid_count": 2, "refunded": 8_000, "refunded_count": 2,
                               "net": 7_000}
    assert whole["commissions"] == {"accrued": 1500, "clawed_back": 300, "cancelled": 500, "settled": 700,
                                    "net": 700}
    assert whole["settlements"] == {"runs": 1, "commissions": 1, "amount": 700}
    assert whole["withdrawals"] == {"requested": 600, "requested_count": 2, "rejected": 0, "failed": 0, "paid": 500,
                                    "paid_count": 1, "net_paid": 450, "fees": 50, "withdrawing": 100}
    assert whole["payouts"] == {"manual": 450, "stripe_connect": 0, "transfers": 0, "transferred": 0}
    assert whole["ledger"]["balanced"] is True and whole["ledger"]["total"] == 0
    assert whole["discrepancies"] == []


def test_flows_count_within_the_period_and_balances_at_its_end(tenant):
    shop_with_distribution(tenant)
    distributor = approved_distributor(tenant)
    buyer = bound_to(tenant, distributor)
    _tea, tea = product(tenant, 10_000)
    with clock.travel(timedelta(days=-40)):
        close_after_sales(tenant, buy(tenant, buyer, tea))
        settle(tenant)
    rejected = withdraw(distributor, 400)
    move(tenant, rejected, "reject", {"reason": "not now"})
    buy(tenant, buyer, tea)  # frozen now
    last_month_end = (clock.now() - timedelta(days=20)).date().isoformat()

    then = commissions_report(tenant, to=last_month_end)
    since = commissions_report(tenant, **{"from": last_month_end})

    assert (then["accrued"], then["settled"], then["available"], then["frozen"]) == (1000, 1000, 1000, 0)
    assert (since["accrued"], since["settled"], since["requested"], since["returned"]) == (1000, 0, 400, 400)
    assert (since["frozen"], since["available"], since["withdrawing"]) == (1000, 1000, 0)
    assert reconciliation(tenant, **{"from": last_month_end})["discrepancies"] == []
