"""Checkout throughput: concurrent consumers check out and pay (offline provider) against gunicorn and
PostgreSQL, beside a one-INSERT Flask endpoint measured the same way in the same run.

    /tmp/venv/bin/python bench/checkout.py [--consumers 8] [--seconds 15] [--jobs rq|inline]

Creates a scratch database, migrates it, serves the app with gunicorn (2 sync workers, the repo's
gunicorn.conf.py), sets up a tenant, products and consumers through the API, drives the load from
one process per consumer (each its own HTTP connection, 127.0.0.1 only), then does the same for
bench/baseline_app.py and prints orders/s, p50, p99 and the ratio. Drops its database at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import free_port, wait_for_port  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PLATFORM_TOKEN = "bench-platform-token"
WARMUP_SECONDS = 2.0
MAX_OPS_PER_CONSUMER = 20_000
BASELINE_TABLE = ("CREATE TABLE bench_hits (id BIGSERIAL PRIMARY KEY, n INTEGER NOT NULL, "
                  "created_at TIMESTAMPTZ NOT NULL DEFAULT now())")


@dataclass
class Result:
    name: str
    ops: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Client:
    """A keep-alive HTTP/1.1 client (gunicorn's sync workers close each connection; it reopens)."""

    def __init__(self, port: int, credential: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if credential:
            self.headers["Authorization"] = f"Bearer {credential}"

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        return self.request("POST", path, body or {})

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else {}


def _checkout(client: Client, skus: list[str]) -> bool:
    lines = [{"sku_id": sku, "quantity": 1} for sku in random.sample(skus, 2)]
    status, order = client.post("/v1/storefront/orders", {"lines": lines})
    if status != 201:
        return False
    status, _ = client.post(f"/v1/storefront/orders/{order['id']}/offline-payment")
    return status == 200


def _baseline(client: Client, _skus: list[str]) -> bool:
    status, _ = client.post("/hits", {"n": random.randrange(1000)})
    return status == 201


def _consume(port: int, credential: str, scenario: str, skus: list[str], start_at: float, stop_at: float, results):
    """One consumer: run the scenario in a loop, record (finished_at, latency) inside the window."""
    operation = {"checkout": _checkout, "baseline": _baseline}[scenario]
    client = Client(port, credential)
    samples, errors = [], 0
    while time.time() < stop_at and len(samples) < MAX_OPS_PER_CONSUMER:
        began = time.perf_counter()
        ok = operation(client, skus)
        finished = time.time()
        if finished >= start_at:
            if ok:
                samples.append((time.perf_counter() - began) * 1000)
            else:
                errors += 1
    results.put((samples, errors))


def drive(port: int, scenario: str, credentials: list[str], skus: list[str], seconds: float) -> Result:
    """Run every consumer as its own process for a warm-up, then `seconds` of measurement."""
    start_at = time.time() + WARMUP_SECONDS + 0.5
    stop_at = start_at + seconds
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_consume, args=(port, credential, scenario, skus, start_at, stop_at, results))
                 for credential in credentials]
    for process in processes:
        process.start()
    samples, errors = [], 0
    for _ in processes:
        consumer_samples, consumer_errors = results.get(timeout=seconds + 120)
        samples += consumer_samples
        errors += consumer_errors
    for process in processes:
        process.join()
    return Result(scenario, len(samples), errors, seconds, samples)


class Gunicorn:
    def __init__(self, app: str, env: dict):
        self.port = free_port()
        self.app, self.env = app, env
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        env = {**os.environ, **self.env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "2"}
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), self.app], cwd=ROOT,
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.port, timeout=30)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def create_database() -> str:
    name = f"fission_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def set_up_shop(port: int, consumers: int) -> tuple[list[str], list[str]]:
    """A tenant with 20 products and `consumers` logged-in consumers, made through the API."""
    platform = Client(port, PLATFORM_TOKEN)
    status, tenant = platform.post("/v1/platform/tenants", {"name": "Bench", "slug": f"bench-{uuid.uuid4().hex[:8]}"})
    assert status == 201, tenant
    admin = Client(port, tenant["admin_key"])
    # Consumers confirm their own offline payments here, so that the flow is two consumer requests.
    patch = {"auth": {"dev_login_enabled": True}, "payments": {"offline_self_confirm": True}}
    assert admin.request("PATCH", "/v1/admin/settings", patch)[0] == 200
    skus = []
    for index in range(20):
        status, product = admin.post("/v1/admin/products", {"title": f"Product {index}",
                                                            "skus": [{"price": 100 + index, "stock": 1_000_000}]})
        assert status == 201, product
        skus.append(product["skus"][0]["id"])
    storefront = Client(port, tenant["publishable_key"])
    tokens = []
    for index in range(consumers):
        status, session = storefront.post("/v1/storefront/sessions", {"provider": "dev", "openid": f"bench-{index}"})
        assert status == 201, session
        tokens.append(session["token"])
    return tokens, skus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--jobs", choices=["rq", "inline"], default="rq",
                        help="rq: jobs leave through Redis as in production (no worker is needed: nothing falls "
                             "due during the run); inline: the embedded default, a job thread in each web worker")
    args = parser.parse_args()
    if not 1 <= args.consumers <= 64 or not 1 <= args.seconds <= 45:
        parser.error("keep it bounded: 1-64 consumers, 1-45 seconds")

    url = create_database()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    servers = []
    try:
        from core import migrate

        migrate.upgrade(url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(BASELINE_TABLE)
        env = {"DATABASE_URL": url, "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN, "SECRET_KEY": "bench-secret",
               "FISSION_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
               "LOG_LEVEL": "WARNING", "STRIPE_SECRET_KEY": "", "FISSION_QUEUE": queue,
               "FISSION_JOBS_MODE": args.jobs, "REDIS_URL": REDIS_URL if args.jobs == "rq" else ""}

        shop = Gunicorn("app:create_app()", env).start()
        servers.append(shop)
        tokens, skus = set_up_shop(shop.port, args.consumers)
        checkout = drive(shop.port, "checkout", tokens, skus, args.seconds)
        shop.stop()

        baseline_server = Gunicorn("bench.baseline_app:app", env).start()
        servers.append(baseline_server)
        baseline = drive(baseline_server.port, "baseline", [""] * args.consumers, [], args.seconds)
        baseline_server.stop()
    finally:
        for server in servers:
            server.stop()
        drop_database(url)
        if args.jobs == "rq":
            _forget_queue(queue)

    report(checkout, baseline, args)


def report(checkout: Result, baseline: Result, args) -> None:
    print(f"\n{args.consumers} consumers, {args.seconds:.0f} s each, gunicorn 2 sync workers, PostgreSQL, "
          f"jobs={args.jobs}, {os.cpu_count()} CPUs shared with the load generator\n")
    print("| scenario | per second | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    print(f"| checkout + offline payment (orders) | {checkout.rate:.0f} | {checkout.percentile(0.5):.1f} | "
          f"{checkout.percentile(0.99):.1f} | {checkout.errors} |")
    print(f"| baseline one-INSERT endpoint (requests) | {baseline.rate:.0f} | {baseline.percentile(0.5):.1f} | "
          f"{baseline.percentile(0.99):.1f} | {baseline.errors} |")
    print(f"\nratio: {checkout.rate / baseline.rate:.0%} (orders/s over baseline requests/s; "
          f"an order is 2 requests, {2 * checkout.rate:.0f} requests/s)")
    if checkout.latencies_ms:
        print(f"checkout mean {statistics.fmean(checkout.latencies_ms):.1f} ms per order")


def _forget_queue(queue: str) -> None:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)


if __name__ == "__main__":
    main()
