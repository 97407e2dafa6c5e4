"""From an order to a distributor's Stripe Connect payout, over real HTTP with a real RQ worker running every job
(after-sales closing, settlement, the transfer) against the local Stripe Connect stand-in; then the statement and
the reconciliation, in JSON and CSV. And a worker killed between Stripe's answer and our commit: after the job is
handed again, exactly one transfer."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests
from sqlalchemy import text

from core.db import unit_of_work
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


class Http:
    """A client of the live server with one credential."""

    def __init__(self, base: str, credential: str):
        self.base, self.credential = base, credential
        self.session = requests.Session()

    def call(self, method: str, path: str, body: dict | None = None, *, expect: int = 200, query=None,
             accept: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.credential}", **({"Accept": accept} if accept else {})}
        response = self.session.request(method, self.base + path, json=body, params=query, headers=headers,
                                        timeout=30)
        assert response.status_code == expect, f"{method} {path} -> {response.status_code}: {response.text}"
        return response

    def get(self, path: str, **kwargs) -> dict:
        return self.call("GET", path, **kwargs).json()

    def post(self, path: str, body: dict | None = None, *, expect: int) -> dict:
        return self.call("POST", path, body or {}, expect=expect).json()

    def csv(self, path: str, **query) -> list[dict]:
        response = self.call("GET", path, query=query, accept="text/csv")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        return list(csv.DictReader(io.StringIO(response.text)))


def login(live_server, tenant, invite_code: str | None = None) -> Http:
    body = {"provider": "dev", "openid": f"wx-{uuid.uuid4().hex[:8]}"}
    if invite_code:
        body["invite_code"] = invite_code
    session = Http(live_server.url, tenant.publishable_key).post("/v1/storefront/sessions", body, expect=201)
    return Http(live_server.url, session["token"])


def open_shop(live_server, tenant, connect) -> tuple[Http, Http, Http, str]:
    """A shop paying distributors 10% through Stripe Connect (fee 1.5%), a distributor with a connected account
    and a friend it invited; returns (admin, distributor, buyer, sku)."""
    admin = Http(live_server.url, tenant.admin_key)
    admin.call("PATCH", "/v1/admin/settings", {
        "auth": {"dev_login_enabled": True}, "orders": {"after_sales_days": 0},
        "distribution": {"enabled": True, "who": "everyone", "level1_rate": "0.10",
                         "payout_method": "stripe_connect", "withdrawal_fee_rate": "0.015", "min_withdrawal": 500}})
    tea = admin.post("/v1/admin/products", {"title": "Da Hong Pao", "skus": [{"price": 16800, "stock": 50}]},
                     expect=201)
    distributor = login(live_server, tenant)
    distributor.post("/v1/storefront/distributor", {"name": "Tea lover"}, expect=201)
    code = distributor.get("/v1/storefront/me")["invite_code"]
    distributor.call("PUT", "/v1/storefront/distributor/payout-account",
                     {"stripe_account_id": connect.open_account()}, expect=200)
    return admin, distributor, login(live_server, tenant, invite_code=code), tea["skus"][0]["id"]


def status(admin: Http, path: str) -> str:
    return admin.get(path)["status"]


def settled_balance(admin: Http, distributor: Http, buyer: Http, sku: str, quantity: int) -> dict:
    """The buyer's order, paid, shipped and completed; the worker closes its after-sales window; a settlement
    run makes its commission available."""
    order = buyer.post("/v1/storefront/orders", {"lines": [{"sku_id": sku, "quantity": quantity}]}, expect=201)
    admin.post(f"/v1/admin/orders/{order['id']}/offline-payment", expect=200)
    admin.post(f"/v1/admin/orders/{order['id']}/ship", {"carrier": "SF", "tracking_number": "SF1"}, expect=200)
    admin.post(f"/v1/admin/orders/{order['id']}/complete", expect=200)
    assert wait_until(lambda: admin.get(f"/v1/admin/orders/{order['id']}")["after_sales_closed_at"], timeout=120)
    run = admin.post("/v1/finance/settlements", expect=202)
    assert wait_until(lambda: status(admin, f"/v1/finance/settlements/{run['id']}") == "completed", timeout=120)
    return distributor.get("/v1/storefront/distributor")["balance"]


def test_an_order_ends_as_a_connect_payout_a_statement_and_a_clean_reconciliation(
        live_server, tenant, connect, connect_env, start_worker):
    start_worker(**connect_env)
    admin, distributor, buyer, sku = open_shop(live_server, tenant, connect)

    assert settled_balance(admin, distributor, buyer, sku, quantity=2) == {
        "frozen": 0, "available": 3360, "withdrawing": 0, "withdrawn": 0}
    withdrawal = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 3000}, expect=201)
    assert (withdrawal["fee"], withdrawal["net_amount"], withdrawal["method"]) == (45, 2955, "stripe_connect")
    assert admin.post(f"/v1/finance/withdrawals/{withdrawal['id']}/approve", expect=200)["status"] == "processing"

    path = f"/v1/finance/withdrawals/{withdrawal['id']}"
    assert wait_until(lambda: status(admin, path) == "paid", timeout=120), admin.get(path)
    paid = admin.get(path)
    [transfer] = connect.transfers()
    assert paid["transfer_id"] == transfer["id"] and transfer["amount"] == 2955
    assert distributor.get("/v1/storefront/distributor")["balance"] == {
        "frozen": 0, "available": 360, "withdrawing": 0, "withdrawn": 3000}

    statement = admin.get(f"/v1/finance/statements/{paid['distributor_id']}")
    assert statement["closing"] == {"frozen": 0, "available": 360, "withdrawing": 0}
    assert [(line["kind"], line["amount"]) for line in statement["lines"]] == [
        ("commission.accrual", 3360), ("commission.settle", -3360), ("commission.settle", 3360),
        ("withdrawal.request", -3000), ("withdrawal.request", 3000), ("withdrawal.payout", -3000)]
    rows = Http.csv(admin, f"/v1/finance/statements/{paid['distributor_id']}")
    assert [(row["kind"], row["bucket"], row["amount"]) for row in rows] == [
        (line["kind"], line["bucket"], str(line["amount"])) for line in statement["lines"]]
    report = admin.get("/v1/finance/reports/reconciliation")
    assert report["discrepancies"] == [] and report["ledger"]["balanced"] is True
    assert report["orders"]["paid"] == 33600 and report["commissions"]["settled"] == 3360
    assert report["payouts"] == {"manual": 0, "stripe_connect": 2955, "transfers": 1, "transferred": 2955}
    [row] = Http.csv(admin, "/v1/finance/reports/reconciliation")
    assert (row["discrepancies"], row["withdrawals.fees"], row["payouts.transferred"]) == ("0", "45", "2955")
    assert admin.get("/v1/finance/reports/trial-balance")["total"] == 0


def test_a_worker_killed_after_stripe_made_the_transfer_ends_with_exactly_one_transfer(
        live_server, tenant, connect, connect_env, start_worker, tmp_path, rq_mode):
    doomed = start_worker(**connect_env, FISSION_TEST_KILL_AT="finance.transfer_created",
                          FISSION_TEST_KILL_MARKER=str(tmp_path / "killed"))
    admin, distributor, buyer, sku = open_shop(live_server, tenant, connect)
    settled_balance(admin, distributor, buyer, sku, quantity=1)
    withdrawal = distributor.post("/v1/storefront/distributor/withdrawals", {"amount": 1000}, expect=201)

    admin.post(f"/v1/finance/withdrawals/{withdrawal['id']}/approve", expect=200)

    assert wait_until(lambda: (tmp_path / "killed").exists(), timeout=120), doomed.stop()
    doomed.process.wait(timeout=30)  # the worker runs jobs in its own process: it died with the job
    [made] = connect.transfers()
    path = f"/v1/finance/withdrawals/{withdrawal['id']}"
    assert status(admin, path) == "processing"  # Stripe made it; our record of it died with the worker
    # The intent was handed to RQ and never finished. The relay hands such an intent again once RQ has given up
    # on the dead worker's job; here it is handed again at once, as the relay would, to a new worker.
    with unit_of_work() as session:
        job_id = session.execute(text("SELECT id FROM job_outbox WHERE id = :id AND completed_at IS NULL"),
                                 {"id": f"withdrawal:{withdrawal['id']}:pay"}).scalar_one()
    rq_mode.queue().enqueue("core.jobs.execute", job_id)
    start_worker(**connect_env)

    assert wait_until(lambda: status(admin, path) == "paid", timeout=120), admin.get(path)
    assert admin.get(path)["transfer_id"] == made["id"]
    assert [transfer["id"] for transfer in connect.transfers()] == [made["id"]]
    assert admin.get("/v1/finance/reports/reconciliation")["discrepancies"] == []
    assert distributor.get("/v1/storefront/distributor")["balance"]["withdrawn"] == 1000
