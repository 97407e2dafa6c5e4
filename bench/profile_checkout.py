"""Where a checkout's time goes: database round trips per order, and a cProfile summary.

    .venv/bin/python bench/profile_checkout.py [--orders 200] [--scenario plain|loaded|keyed|all] [--sql] [--top 30]
                                               [--no-profile] [--cpu-profile]

In-process (the Flask app through its test client, no HTTP server), on a scratch PostgreSQL database that
it migrates and drops, with jobs in `rq` mode as in production (`BENCH_REDIS_URL`, default db 11: only the
hand-off's look-up happens, nothing falls due). Scenarios: `plain` (two lines, offline payment, nothing
else), `loaded` (plus a coupon, points, and a buyer bound to a distributor with distribution on, so the
payment records commissions), `keyed` (plain with an `Idempotency-Key` on both requests).
For each it prints the round trips of one checkout and one payment (statements, BEGIN, COMMIT, ROLLBACK,
pre-pings; `--sql` lists the statements), times `--orders` orders without the profiler (ms per checkout
and per payment, and the CPU per order of this process and of PostgreSQL's backends, read from /proc), then
profiles `--orders` orders and prints their own time by package (SQLAlchemy, psycopg, werkzeug, …, ours) and
the top functions by own time and by cumulative time (wall-clock, or CPU only with `--cpu-profile`).
Each scenario first places 100 orders, and every 100 orders (outside the timing) the tables autovacuum would
analyze are analyzed (bench/autoanalyze.py: this machine's PostgreSQL runs without autovacuum).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.autoanalyze import analyze_due_tables  # noqa: E402
from bench.proc_cpu import cpu_seconds  # noqa: E402
from tests.support.http import Caller  # noqa: E402
from tests.support.roundtrips import RoundTrips  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PLATFORM_TOKEN = "bench-platform-token"
SCENARIOS = ("plain", "loaded", "keyed")
WARM_ORDERS = 100
CHUNK = 100  # orders between two looks at what autovacuum would analyze


class Shop:
    """A tenant with products and a buyer, made through the API."""

    def __init__(self, client, scenario: str):
        self.client, self.scenario = client, scenario
        platform = Caller(client, PLATFORM_TOKEN)
        tenant = platform.post("/v1/platform/tenants", {"name": "Profile", "slug": f"p-{uuid.uuid4().hex[:8]}"},
                               expect=201).get_json()
        self.admin = Caller(client, tenant["admin_key"])
        self.storefront = Caller(client, tenant["publishable_key"])
        settings = {"auth": {"dev_login_enabled": True}, "payments": {"offline_self_confirm": True}}
        if scenario == "loaded":
            settings["distribution"] = {"enabled": True, "who": "everyone"}
        self.admin.patch("/v1/admin/settings", settings, expect=200)
        self.skus = [self.admin.post("/v1/admin/products", {"title": f"Product {n}",
                                                            "skus": [{"price": 1000 + n, "stock": 1_000_000}]},
                                     expect=201).get_json()["skus"][0]["id"] for n in range(20)]
        invite = None
        if scenario == "loaded":
            distributor = self.login("distributor")
            invite = distributor.post("/v1/storefront/distributor", {}, expect=201).get_json()["invite_code"]
        self.buyer = self.login("buyer", invite_code=invite)
        if scenario == "loaded":
            self.admin.post(f"/v1/admin/customers/{self.buyer.customer_id}/points/adjustments",
                            {"points": 1_000_000, "reason": "profile"}, expect=201)
            self.template = self.admin.post("/v1/admin/coupon-templates", {
                "name": "Ten off", "kind": "amount_off", "amount_off": 10, "claimable": False}, expect=201).get_json()

    def login(self, openid: str, invite_code: str | None = None) -> Caller:
        body = {"provider": "dev", "openid": openid, **({"invite_code": invite_code} if invite_code else {})}
        session = self.storefront.post("/v1/storefront/sessions", body, expect=201).get_json()
        caller = Caller(self.client, session["token"])
        caller.customer_id = session["customer"]["id"]
        return caller

    def prepare(self) -> dict:
        """What one order needs that is not part of the measured requests (a fresh coupon)."""
        body = {"lines": [{"sku_id": sku, "quantity": 1} for sku in self.skus[:2]]}
        if self.scenario == "loaded":
            self.admin.post(f"/v1/admin/coupon-templates/{self.template['id']}/grants",
                            {"customer_ids": [self.buyer.customer_id]}, expect=201)
            coupons = self.buyer.get("/v1/storefront/coupons", query={"status": "available"}).get_json()["data"]
            body.update(coupon_id=coupons[0]["id"], points=100)
        return body

    def checkout(self, body: dict) -> str:
        return self.buyer.post("/v1/storefront/orders", body, headers=self._key(), expect=201).get_json()["id"]

    def pay(self, order_id: str) -> None:
        self.buyer.post(f"/v1/storefront/orders/{order_id}/offline-payment", headers=self._key(), expect=200)

    def _key(self) -> dict:
        return {"Idempotency-Key": uuid.uuid4().hex} if self.scenario == "keyed" else {}


def count_round_trips(shop: Shop, engine, *, show_sql: bool) -> tuple[RoundTrips, RoundTrips]:
    counter = RoundTrips(engine)
    body = shop.prepare()
    with counter.counting():
        order_id = shop.checkout(body)
    checkout = (dict(counter.kinds), list(counter.statements), counter.total)
    with counter.counting():
        shop.pay(order_id)
    payment = (dict(counter.kinds), list(counter.statements), counter.total)
    for name, (kinds, statements, total) in (("checkout", checkout), ("payment", payment)):
        print(f"  {name}: {total} round trips ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
        if show_sql:
            for statement in statements:
                print(f"      {statement}")
    print(f"  per order: {checkout[2] + payment[2]} round trips, "
          f"{checkout[0].get('statement', 0) + payment[0].get('statement', 0)} statements")
    return checkout, payment


def time_requests(shop: Shop, orders: int, database_name: str, url: str) -> None:
    """Milliseconds per checkout and per payment in-process, without the profiler (one caller, no HTTP); and the
    CPU per order of this process and of the database's backends (read from /proc: Linux, a local server).
    Every `CHUNK` orders, outside the timing, the tables autovacuum would analyze are (bench/autoanalyze.py)."""
    bodies = [shop.prepare() for _ in range(orders)]
    checkout = payment = cpu = backends = 0.0
    for chunk in range(0, orders, CHUNK):
        # The backends first: reading them opens a connection, whose CPU is not the orders'.
        backends_before = backend_cpu_seconds(database_name)
        cpu_before = time.process_time()
        for body in bodies[chunk:chunk + CHUNK]:
            started = time.perf_counter()
            order_id = shop.checkout(body)
            paid = time.perf_counter()
            shop.pay(order_id)
            checkout, payment = checkout + paid - started, payment + time.perf_counter() - paid
        cpu += time.process_time() - cpu_before
        backends += backend_cpu_seconds(database_name) - backends_before
        analyze_due_tables(url)
    print(f"  unprofiled, {orders} orders: checkout {checkout / orders * 1000:.2f} ms, "
          f"payment {payment / orders * 1000:.2f} ms, order {(checkout + payment) / orders * 1000:.2f} ms; "
          f"CPU per order: Python {cpu / orders * 1000:.2f} ms, PostgreSQL backends {backends / orders * 1000:.2f} ms")


def backend_cpu_seconds(database_name: str) -> float:
    """User and system CPU the server's backends for `database_name` have used (0 where /proc cannot tell)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        pids = [pid for (pid,) in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database_name,))]
    return sum(used for used in map(cpu_seconds, pids) if used is not None)


def profile(shop: Shop, orders: int, top: int, url: str, *, cpu: bool) -> None:
    bodies = [shop.prepare() for _ in range(orders)]
    # `--cpu-profile`: CPU time only (time.process_time), so waiting for PostgreSQL is left out.
    profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    for chunk in range(0, orders, CHUNK):
        profiler.enable()
        for body in bodies[chunk:chunk + CHUNK]:
            shop.pay(shop.checkout(body))
        profiler.disable()
        analyze_due_tables(url)
    print_own_time_by_package(pstats.Stats(profiler).stats, orders)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(text[text.index("   ncalls"):] if "   ncalls" in text else text)


PACKAGES = ("sqlalchemy", "psycopg", "werkzeug", "flask_smorest", "flask", "marshmallow", "webargs", "json")


def print_own_time_by_package(stats: dict, orders: int) -> None:
    """The profile's own time per order, by the package its functions belong to (waiting for the database
    apart), largest first: which layer the remaining time is in."""
    by_package: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, own, _cumulative, _callers) in stats.items():
        path = filename.replace(os.sep, "/")
        if "/psycopg/" in path and function == "wait":
            package = "waiting for PostgreSQL"
        elif path.startswith(str(ROOT)) and "/.venv/" not in path:
            package = "ours: " + Path(path).relative_to(ROOT).parts[0]
        else:
            package = next((name for name in PACKAGES if f"/{name}/" in path), "other (stdlib, builtins, …)")
        by_package[package] = by_package.get(package, 0.0) + own
    total = sum(by_package.values())
    print("  own time by package (profiled, so inflated; compare shares):")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1]):
        print(f"    {package:<32} {own / orders * 1000:6.2f} ms per order  {own / total:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--sql", action="store_true", help="list each statement of one checkout and payment")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="count round trips only")
    parser.add_argument("--cpu-profile", action="store_true", help="profile CPU time, not wall-clock time")
    args = parser.parse_args()

    name = f"fission_profile_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        from core import migrate

        migrate.upgrade(url)
        from app import create_app
        from core.db import database

        app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "FISSION_JOBS_MODE": "rq",
                          "FISSION_QUEUE": f"profile-{uuid.uuid4().hex[:8]}", "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN,
                          "SECRET_KEY": "profile-secret", "FISSION_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                          "STRIPE_SECRET_KEY": None, "LOG_LEVEL": "WARNING", "FISSION_SCHEDULER": "off"})
        client = app.test_client()
        for scenario in SCENARIOS if args.scenario == "all" else (args.scenario,):
            shop = Shop(client, scenario)
            for _ in range(WARM_ORDERS):  # warm the caches (statements, settings, tenant status) and the tables
                shop.pay(shop.checkout(shop.prepare()))
            analyze_due_tables(url)  # as autovacuum would have by now: plans made for tables with orders in them
            print(f"\n== {scenario} ==")
            count_round_trips(shop, database.require_engine(), show_sql=args.sql)
            time_requests(shop, args.orders, name, url)
            if not args.no_profile:
                profile(shop, args.orders, args.top, url, cpu=args.cpu_profile)
        database.require_engine().dispose()
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
