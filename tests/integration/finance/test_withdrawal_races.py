"""Withdrawals raced by real threads over real HTTP on PostgreSQL: ten requests at once for 60% of the balance
give exactly one withdrawal; clerks moving one withdrawal at once move it once (paid or given back, never both)."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.api.finance.builders import balance, distributor_with_available, reconciliation, trial_balance

pytestmark = pytest.mark.integration


def at_once(count: int, call) -> list[requests.Response]:
    """`call(n)` from `count` threads released together; their responses in order."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        try:
            answers[n] = call(n)
        except Exception as error:  # reported by the assertions below
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_ten_simultaneous_requests_for_sixty_percent_of_the_balance_give_exactly_one_withdrawal(
        tenant, live_server):
    distributor = distributor_with_available(tenant, prices=(10_000,))  # 1,000 available
    url = f"{live_server.url}/v1/storefront/distributor/withdrawals"
    headers = {"Authorization": f"Bearer {distributor.credential}"}

    answers = at_once(10, lambda n: requests.post(url, json={"amount": 600}, headers=headers, timeout=60))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 9, [getattr(a, "text", a) for a in answers]
    assert {answer.json()["reason"] for answer in answers if answer.status_code == 409} == {"insufficient_balance"}
    assert balance(distributor) == {"frozen": 0, "available": 400, "withdrawing": 600, "withdrawn": 0}
    listed = tenant.admin.get("/v1/finance/withdrawals", expect=200).get_json()["data"]
    assert [w["amount"] for w in listed] == [600]
    assert trial_balance(tenant)["total"] == 0 and reconciliation(tenant)["discrepancies"] == []


def test_ten_simultaneous_requests_for_a_tenth_each_all_succeed_and_empty_the_balance(tenant, live_server):
    distributor = distributor_with_available(tenant, prices=(10_000,))
    url = f"{live_server.url}/v1/storefront/distributor/withdrawals"
    headers = {"Authorization": f"Bearer {distributor.credential}"}

    answers = at_once(10, lambda n: requests.post(url, json={"amount": 100}, headers=headers, timeout=60))

    assert [answer.status_code for answer in answers] == [201] * 10
    assert balance(distributor) == {"frozen": 0, "available": 0, "withdrawing": 1000, "withdrawn": 0}
    assert reconciliation(tenant)["discrepancies"] == []


def test_one_request_sent_ten_times_at_once_with_its_key_makes_one_withdrawal(tenant, live_server):
    distributor = distributor_with_available(tenant, prices=(10_000,))
    url = f"{live_server.url}/v1/storefront/distributor/withdrawals"
    headers = {"Authorization": f"Bearer {distributor.credential}", "Idempotency-Key": "double-tap"}

    answers = at_once(10, lambda n: requests.post(url, json={"amount": 300}, headers=headers, timeout=60))

    assert [answer.status_code for answer in answers] == [201] * 10
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert balance(distributor)["available"] == 700


def test_clerks_paying_and_rejecting_one_approved_withdrawal_at_once_move_it_once(tenant, live_server):
    distributor = distributor_with_available(tenant, prices=(10_000,))
    requested = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 500}, expect=201).get_json()
    tenant.admin.post(f"/v1/finance/withdrawals/{requested['id']}/approve", expect=200)
    base = f"{live_server.url}/v1/finance/withdrawals/{requested['id']}"
    headers = {"Authorization": f"Bearer {tenant.admin_key}"}
    calls = [("mark-paid", {"reference": "BANK-1"}), ("reject", {"reason": "second clerk"})] * 4

    answers = at_once(len(calls), lambda n: requests.post(f"{base}/{calls[n][0]}", json=calls[n][1],
                                                         headers=headers, timeout=60))

    winners = [answer.json()["status"] for answer in answers if answer.status_code == 200]
    assert len(winners) == 1, [answer.text for answer in answers]  # paid, or given back: never both
    assert {answer.json()["reason"] for answer in answers if answer.status_code != 200} == {"invalid_state"}
    expected = {"paid": {"available": 500, "withdrawing": 0, "withdrawn": 500},
                "rejected": {"available": 1000, "withdrawing": 0, "withdrawn": 0}}[winners[0]]
    assert balance(distributor) == {"frozen": 0, **expected}
    assert reconciliation(tenant)["discrepancies"] == []


def test_clerks_approving_one_withdrawal_at_once_approve_it_once(tenant, live_server):
    distributor = distributor_with_available(tenant, prices=(10_000,))
    requested = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 500}, expect=201).get_json()
    url = f"{live_server.url}/v1/finance/withdrawals/{requested['id']}/approve"
    headers = {"Authorization": f"Bearer {tenant.admin_key}"}

    answers = at_once(6, lambda n: requests.post(url, json={}, headers=headers, timeout=60))

    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 5
