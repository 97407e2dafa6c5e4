"""Checkout throughput: concurrent consumers check out and pay (offline provider) against gunicorn and
PostgreSQL, beside a one-INSERT Flask endpoint measured the same way in the same run.

    .venv/bin/python bench/checkout.py [--consumers 8] [--crowd 32] [--seconds 10] [--rounds 3] [--jobs rq|inline]

Creates a scratch database, migrates it, serves the app and bench/baseline_app.py (the app's own engine
settings) with gunicorn (2 sync workers each, the repo's gunicorn.conf.py), sets up two tenants with products
and consumers through the API, then measures in rounds: each round runs the baseline, the plain and loaded
checkouts, the baseline with the crowd's consumers and the crowd, one window each, so every app window sits
next to a baseline window and slow minutes of the machine fall on both; before the rounds, a few seconds of
unmeasured checkouts, and before each window, an ANALYZE of the tables autovacuum would analyze
(bench/autoanalyze.py: this machine's PostgreSQL runs without autovacuum). The load comes from one process per
consumer (each its own HTTP connection, 127.0.0.1 only). Prints the README's table rows: orders/s, p50, p99,
errors (the rounds pooled), and the ratios (orders/s and requests/s over the baseline's requests/s: the
median of the rounds'), each round's ratio, then each order scenario's mean latency and the p50 and p99 of
its requests one by one (a checkout or a payment).
Scenarios: `checkout` (two lines, nothing else; `--consumers`), `loaded` (a coupon, 100 points and a buyer
bound to a distributor, distribution on: the payment records commissions; `--consumers`), `crowd` (the
plain checkout with `--crowd` consumers, for the p99), and the baseline with each number of consumers.
After the table, the CPU each role used during each window (the app's workers, PostgreSQL, the load generator;
read from /proc), and the workers' CPU per order or request. Drops its database at the end. `BENCH_WORKERS` sets
gunicorn's workers for both apps (default 2, production's).
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
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.autoanalyze import analyze_due_tables  # noqa: E402
from bench.proc_cpu import command_line, cpu_seconds, running_pids  # noqa: E402
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
    # CPU used during the window, in cores, by role (`cores_by_role`; bench/vouchers.py measures none)
    cores: dict[str, float] = field(default_factory=dict)
    request_latencies_ms: list[float] = field(default_factory=list)  # each request of the operations counted

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def percentile(self, q: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.latencies_ms if latencies is None else latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Client:
    """A keep-alive HTTP/1.1 client (gunicorn's sync workers close each connection; it reopens)."""

    def __init__(self, port: int, credential: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        self.coupons: list[str] = []
        self.request_ms: list[float] = []  # each request's latency, since the consumer last took them
        if credential:
            self.headers["Authorization"] = f"Bearer {credential}"

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        return self.request("POST", path, body or {})

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        began = time.perf_counter()
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        self.request_ms.append((time.perf_counter() - began) * 1000)
        return response.status, json.loads(payload) if payload else {}


def _checkout(client: Client, skus: list[str], extra: dict | None = None) -> bool:
    lines = [{"sku_id": sku, "quantity": 1} for sku in random.sample(skus, 2)]
    status, order = client.post("/v1/storefront/orders", {"lines": lines, **(extra or {})})
    if status != 201:
        return False
    status, _ = client.post(f"/v1/storefront/orders/{order['id']}/offline-payment")
    return status == 200


def _loaded(client: Client, skus: list[str]) -> bool | None:
    """A checkout with one of the consumer's coupons and 100 points (the buyer is bound to a distributor)."""
    if not client.coupons:
        return None  # ran out: this consumer stops (raise --coupons)
    return _checkout(client, skus, {"coupon_id": client.coupons.pop(), "points": 100})


def _baseline(client: Client, _skus: list[str]) -> bool:
    status, _ = client.post("/hits", {"n": random.randrange(1000)})
    return status == 201


def _available_coupons(client: Client) -> list[str]:
    coupons, after = [], None
    while True:
        query = "/v1/storefront/coupons?status=available&limit=100" + (f"&starting_after={after}" if after else "")
        status, page = client.request("GET", query)
        assert status == 200, page
        coupons += [coupon["id"] for coupon in page["data"]]
        if not page["has_more"]:
            return coupons
        after = page["data"][-1]["id"]


OPERATIONS = {"checkout": _checkout, "crowd": _checkout, "loaded": _loaded, "baseline": _baseline,
              "baseline-crowd": _baseline}


def _consume(port: int, credential: str, scenario: str, skus: list[str], start_at: float, stop_at: float, results):
    """One consumer: run the scenario in a loop, record (finished_at, latency) inside the window."""
    operation = OPERATIONS[scenario]
    client = Client(port, credential)
    client.coupons = _available_coupons(client) if scenario == "loaded" else []
    samples, requests, errors = [], [], 0
    while time.time() < stop_at and len(samples) < MAX_OPS_PER_CONSUMER:
        began = time.perf_counter()
        client.request_ms.clear()
        ok = operation(client, skus)
        if ok is None:
            errors += 1
            break
        finished = time.time()
        if finished >= start_at:
            if ok:
                samples.append((time.perf_counter() - began) * 1000)
                requests += client.request_ms
            else:
                errors += 1
    results.put((samples, requests, errors))


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
    consumers = {process.pid for process in processes}
    time.sleep(max(0.0, start_at - time.time()))
    before = cpu_by_process(consumers)
    time.sleep(max(0.0, stop_at - time.time()))
    cores = cores_by_role(before, cpu_by_process(consumers), seconds)
    samples, requests, errors = [], [], 0
    for _ in processes:
        consumer_samples, consumer_requests, consumer_errors = results.get(timeout=seconds + 120)
        samples += consumer_samples
        requests += consumer_requests
        errors += consumer_errors
    for process in processes:
        process.join()
    return Result(scenario, len(samples), errors, seconds, samples, cores, requests)


def cpu_by_process(consumers: set[int]) -> dict[int, tuple[str, float]]:
    """Each running process's role and the CPU (user + system) seconds it has used so far: the app's gunicorn
    workers, PostgreSQL, the load generator (`consumers`), everything else. From /proc (Linux)."""
    used = {}
    for pid in running_pids():
        seconds, command = cpu_seconds(pid), command_line(pid)
        if seconds is not None:
            used[pid] = ("load generator" if pid in consumers else "app workers" if "gunicorn" in command
                         else "PostgreSQL" if command.startswith("postgres") else "other", seconds)
    return used


def cores_by_role(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Cores each role used between two readings, counting the processes present at both."""
    cores = {"app workers": 0.0, "PostgreSQL": 0.0, "load generator": 0.0, "other": 0.0}
    for pid, (role, used) in after.items():
        if pid in before:
            cores[role] += (used - before[pid][1]) / seconds
    return cores


class Gunicorn:
    def __init__(self, app: str, env: dict):
        self.port = free_port()
        self.app, self.env = app, env
        self.process: subprocess.Popen | None = None
        self.log = None

    def start(self) -> Gunicorn:
        env = {**os.environ, **self.env, "BIND": f"127.0.0.1:{self.port}",
               "WEB_CONCURRENCY": os.environ.get("BENCH_WORKERS", "2")}
        # Its log goes to a file: a pipe nobody reads would fill up and stall the workers.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), self.app], cwd=ROOT,
                                        env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for_port(self.port, timeout=30)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        if self.process and self.log:
            self.log.close()
            lines = Path(self.log.name).read_text(errors="replace").splitlines()
            if any("Traceback" in line or '"level": "ERROR"' in line for line in lines):
                print(f"{self.app} logged errors; the last lines of {self.log.name}:\n" + "\n".join(lines[-15:]))
            else:
                os.unlink(self.log.name)
            self.process = None


def create_database() -> str:
    name = f"fission_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def set_up_shop(port: int, consumers: int, *, loaded: bool = False, coupons: int = 0) -> tuple[list[str], list[str]]:
    """A tenant with 20 products and `consumers` logged-in consumers, made through the API; `loaded`: with
    distribution on, every consumer bound to one distributor, 1,000,000 points and `coupons` coupons each."""
    platform = Client(port, PLATFORM_TOKEN)
    status, tenant = platform.post("/v1/platform/tenants", {"name": "Bench", "slug": f"bench-{uuid.uuid4().hex[:8]}"})
    assert status == 201, tenant
    admin = Client(port, tenant["admin_key"])
    # Consumers confirm their own offline payments here, so that the flow is two consumer requests.
    patch = {"auth": {"dev_login_enabled": True}, "payments": {"offline_self_confirm": True}}
    if loaded:
        patch["distribution"] = {"enabled": True, "who": "everyone"}
    assert admin.request("PATCH", "/v1/admin/settings", patch)[0] == 200
    skus = []
    for index in range(20):
        status, product = admin.post("/v1/admin/products", {"title": f"Product {index}",
                                                            "skus": [{"price": 100 + index, "stock": 1_000_000}]})
        assert status == 201, product
        skus.append(product["skus"][0]["id"])
    storefront = Client(port, tenant["publishable_key"])
    invite = {}
    if loaded:
        status, session = storefront.post("/v1/storefront/sessions", {"provider": "dev", "openid": "distributor"})
        assert status == 201, session
        status, distributor = Client(port, session["token"]).post("/v1/storefront/distributor", {})
        assert status == 201, distributor
        invite = {"invite_code": distributor["invite_code"]}
    tokens, customer_ids = [], []
    for index in range(consumers):
        status, session = storefront.post("/v1/storefront/sessions",
                                          {"provider": "dev", "openid": f"bench-{index}", **invite})
        assert status == 201, session
        tokens.append(session["token"])
        customer_ids.append(session["customer"]["id"])
    if loaded:
        status, template = admin.post("/v1/admin/coupon-templates", {"name": "One off", "kind": "amount_off",
                                                                     "amount_off": 1, "claimable": False})
        assert status == 201, template
        for customer_id in customer_ids:
            status, _ = admin.post(f"/v1/admin/customers/{customer_id}/points/adjustments",
                                   {"points": 1_000_000, "reason": "bench"})
            assert status == 201
        for _ in range(coupons):
            status, _ = admin.post(f"/v1/admin/coupon-templates/{template['id']}/grants",
                                   {"customer_ids": customer_ids})
            assert status == 201
    return tokens, skus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumers", type=int, default=8)
    parser.add_argument("--crowd", type=int, default=32, help="consumers of the crowd scenario (the p99)")
    parser.add_argument("--coupons", type=int, default=1500,
                        help="coupons per consumer of the loaded scenario (one that runs out stops: an error)")
    parser.add_argument("--seconds", type=float, default=10.0, help="of each window")
    parser.add_argument("--rounds", type=int, default=3,
                        help="each round measures every scenario and both baselines once, in turn")
    parser.add_argument("--jobs", choices=["rq", "inline"], default="rq",
                        help="rq: jobs leave through Redis as in production (no worker is needed: nothing falls "
                             "due during the run); inline: the embedded default, a job thread in each web worker")
    args = parser.parse_args()
    if (not 1 <= args.consumers <= 64 or not 1 <= args.crowd <= 64 or not 1 <= args.seconds <= 45
            or not 1 <= args.rounds <= 10):
        parser.error("keep it bounded: 1-64 consumers, 1-45 seconds, 1-10 rounds")

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

        # Both servers stay up (an idle one uses no CPU) and the windows alternate, each app scenario next to
        # its baseline in every round: the machine's speed drifts by more, minute to minute, than one change moves.
        shop = Gunicorn("app:create_app()", env).start()
        servers.append(shop)
        baseline_server = Gunicorn("bench.baseline_app:app", env).start()
        servers.append(baseline_server)
        tokens, skus = set_up_shop(shop.port, max(args.consumers, args.crowd))
        loaded_tokens, loaded_skus = set_up_shop(shop.port, args.consumers, loaded=True, coupons=args.coupons)
        windows = [
            ("baseline", baseline_server.port, [""] * args.consumers, []),
            ("checkout", shop.port, tokens[:args.consumers], skus),
            ("loaded", shop.port, loaded_tokens, loaded_skus),
            ("baseline-crowd", baseline_server.port, [""] * args.crowd, []),
            ("crowd", shop.port, tokens[:args.crowd], skus),
        ]
        # Unmeasured first: orders in the tables, so that the plans PostgreSQL caches are made for tables with
        # rows; before each window, what autovacuum would analyze is (this machine's runs without it).
        for name, port, credentials, window_skus in windows[1:3]:
            drive(port, name, credentials, window_skus, WARMUP_SECONDS)
        results: dict[str, list[Result]] = {name: [] for name, *_ in windows}
        analyzed = 0
        for _round in range(args.rounds):
            for name, port, credentials, window_skus in windows:
                analyzed += len(analyze_due_tables(url))
                results[name].append(drive(port, name, credentials, window_skus, args.seconds))
        print(f"{analyzed} tables analyzed between windows, as autovacuum would have (bench/autoanalyze.py)")
    finally:
        for server in servers:
            server.stop()
        drop_database(url)
        if args.jobs == "rq":
            _forget_queue(queue)

    report(results, args)


def merged(rounds: list[Result]) -> Result:
    """A scenario's rounds as one window: operations over their seconds, latencies pooled, cores averaged."""
    cores = {role: statistics.fmean(result.cores[role] for result in rounds) for role in rounds[0].cores}
    return Result(rounds[0].name, sum(r.ops for r in rounds), sum(r.errors for r in rounds),
                  sum(r.seconds for r in rounds), [ms for r in rounds for ms in r.latencies_ms], cores,
                  [ms for r in rounds for ms in r.request_latencies_ms])


def report(rounds: dict[str, list[Result]], args) -> None:
    """The README's table rows, then the ratios: orders/s and requests/s (2 per order) over the baseline's.

    Rates, latencies and CPU pool the rounds; each ratio is the median of the rounds' own (a scenario over the
    same round's baseline with as many consumers), whose spread is printed after the table."""
    results = {name: merged(windows) for name, windows in rounds.items()}
    n, crowd = args.consumers, args.crowd
    rows = [
        ("checkout", f"checkout + offline payment (orders; 2 requests each), {n} consumers", "baseline"),
        ("loaded", f"the same with a coupon, 100 points and a distributor-bound buyer "
                   f"(commissions recorded), {n} consumers", "baseline"),
        ("crowd", f"checkout + offline payment, {crowd} consumers", "baseline-crowd"),
        ("baseline", f"baseline: one-INSERT Flask endpoint (requests), {n} consumers", None),
        ("baseline-crowd", f"baseline: one-INSERT Flask endpoint (requests), {crowd} consumers", None),
    ]

    def ratios(key: str, against: str) -> list[float]:
        return [mine.rate / theirs.rate for mine, theirs in zip(rounds[key], rounds[against], strict=True)]

    workers = os.environ.get("BENCH_WORKERS", "2")
    print(f"\n{args.rounds} rounds of {args.seconds:.0f} s per scenario, gunicorn {workers} sync workers, PostgreSQL, "
          f"jobs={args.jobs}, {os.cpu_count()} CPUs shared with the load generator\n")
    print("| scenario | per second | p50 ms | p99 ms | errors | orders/s over baseline req/s "
          "| req/s over baseline req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key, label, against in rows:
        result = results[key]
        ratio = statistics.median(ratios(key, against)) if against else None
        shown = "| | |" if ratio is None else f"| {ratio:.0%} | {2 * ratio:.0%} |"
        print(f"| {label} | {result.rate:.0f} | {result.percentile(0.5):.1f} | {result.percentile(0.99):.1f} | "
              f"{result.errors} {shown}")
    print("\nEach round's orders/s over the same round's baseline requests/s, in the order run:")
    for key, _label, against in rows:
        if against:
            each = ", ".join(f"{ratio:.0%}" for ratio in ratios(key, against))
            rates = ", ".join(f"{r.rate:.0f}" for r in rounds[key])
            baseline_rates = ", ".join(f"{r.rate:.0f}" for r in rounds[against])
            print(f"  {key}: {each} ({rates} orders/s; {against} {baseline_rates} requests/s)")
    for key in ("checkout", "loaded", "crowd"):
        result = results[key]
        if result.latencies_ms:
            print(f"{key}: mean {statistics.fmean(result.latencies_ms):.1f} ms per order; each request (checkout or "
                  f"payment): p50 {result.percentile(0.5, result.request_latencies_ms):.1f} ms, "
                  f"p99 {result.percentile(0.99, result.request_latencies_ms):.1f} ms")
    print("\nCPU in cores during each window (/proc; this machine has "
          f"{os.cpu_count()}), and the app workers' CPU per operation:")
    for key, _label, _against in rows:
        result = results[key]
        used = ", ".join(f"{role} {cores:.2f}" for role, cores in result.cores.items())
        per = result.cores["app workers"] / result.rate * 1000 if result.rate else float("nan")
        print(f"  {key}: {used}; app workers {per:.2f} ms per {'request' if key.startswith('baseline') else 'order'}")


def _forget_queue(queue: str) -> None:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)


if __name__ == "__main__":
    main()
