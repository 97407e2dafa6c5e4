"""Segments benchmark: refresh the lifecycle stage and RFM scores of 1,000,000 customers (100 tenants) with the
real per-tenant job, and evaluate a three-condition segment over them with the real rule compiler, each beside
plain PostgreSQL statements over the same rows in the same run.

    python bench/segments.py [--tenants 100] [--customers 1000000] [--buyers 0.6]

Seeded: customers registered over two years; 60% of them with 1-5 paid orders over the last 400 days in
loyalty's mirror of paid orders (one in 20 refunded in full), so every stage is well represented.
The refresh runs twice: first from nothing (every buyer's stage is written), then again (the daily case:
the stages that time moved, and every score).

It creates its own scratch database (migrated), prints a table, and drops the database at the end.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SEGMENT = {"all": [
    {"field": "stage", "op": "in", "value": ["dormant", "churned"]},
    {"field": "net_spend", "op": "gte", "value": 50_000},
    {"field": "registered_days", "op": "gte", "value": 180},
]}


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def create_database(admin_url: str) -> str:
    name = f"fission_bench_{uuid.uuid4().hex[:8]}"
    with _admin(admin_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    with _admin(admin_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def seed(url: str, *, tenants: int, per_tenant: int, buyers: float) -> list[str]:
    """Tenants through the platform service; customers and paid orders in bulk SQL."""
    from core.db import unit_of_work
    from tenants.platform import service as platform

    with unit_of_work() as session:
        tenant_ids = [platform.create_tenant(session, name=f"Bench {i}", slug=f"bench-{i}")["id"]
                      for i in range(tenants)]
    with psycopg.connect(url) as connection:
        connection.execute("""
            INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at)
            SELECT t.id, 'cus_' || lpad(c::text, 8, '0'), 'bench-' || c, 'dev', 'B' || lpad(c::text, 7, '0'),
                   now() - (c %% 730) * interval '1 day' - (c %% 86400) * interval '1 second'
            FROM tenants t CROSS JOIN generate_series(1, %(per_tenant)s) AS c
        """, {"per_tenant": per_tenant})
        connection.execute("""
            WITH drawn AS (
                SELECT c.tenant_id, c.id, n, hashtext(c.tenant_id || c.id || n) AS h
                FROM customers c
                CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext(c.id || c.tenant_id)) %% 5) AS n
                WHERE abs(hashtext(c.tenant_id || c.id)) %% 1000 < %(buyers)s)
            INSERT INTO segment_orders (tenant_id, order_id, customer_id, paid_amount, refunded_total, fully_refunded,
                                        paid_at, updated_at)
            SELECT tenant_id, 'ord_' || substr(id, 5) || '_' || n, id, 1000 + abs(h) %% 60000,
                   CASE WHEN abs(h) %% 20 = 0 THEN 1000 + abs(h) %% 60000 ELSE 0 END, abs(h) %% 20 = 0,
                   now() - (abs(h / 7) %% 400) * interval '1 day' - (abs(h) %% 86400) * interval '1 second', now()
            FROM drawn
        """, {"buyers": int(buyers * 1000)})
    return tenant_ids


def vacuum_analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchone()[0]


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def refresh_with_the_job(tenant_ids: list[str]) -> None:
    """The real periodic job, per tenant through the outbox, run in this process."""
    from core import jobs
    from core.db import unit_of_work
    from loyalty.segments.service.lifecycle import REFRESH_JOB

    with unit_of_work() as session:
        for tenant_id in tenant_ids:
            jobs.enqueue(session, REFRESH_JOB, tenant_id=tenant_id)
    while jobs.run_due():
        pass


def evaluate_segment(tenant_ids: list[str]) -> int:
    """The real compiler: the segment's rule parsed and counted, one query per tenant."""
    from sqlalchemy import func, select

    from core.db import unit_of_work
    from core.tenancy import tenant_scope
    from loyalty.segments.service.rules import members, parse_rule

    matched = 0
    for tenant_id in tenant_ids:
        with unit_of_work() as session, tenant_scope(tenant_id):
            query = members(session, rule=parse_rule(session, rule=SEGMENT)).subquery()
            matched += session.scalar(select(func.count()).select_from(query))
    return matched


def plain(url: str, sql: str) -> None:
    with psycopg.connect(url) as connection:
        connection.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--buyers", type=float, default=0.6, help="share of customers with paid orders")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args()

    url = create_database(args.admin_url)
    try:
        from app import create_app
        from core import migrate

        migrate.upgrade(url)
        create_app({"DATABASE_URL": url, "REDIS_URL": None, "FISSION_JOBS_MODE": "inline", "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": "bench-secret", "FISSION_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
        started = time.perf_counter()
        per_tenant = args.customers // args.tenants
        tenant_ids = seed(url, tenants=args.tenants, per_tenant=per_tenant, buyers=args.buyers)
        vacuum_analyze(url)
        customers = count(url, "SELECT count(*) FROM customers")
        orders = count(url, "SELECT count(*) FROM segment_orders")
        print(f"seeded {customers:,} customers and {orders:,} paid orders in {time.perf_counter() - started:.0f} s",
              flush=True)

        rows = []
        first = timed(lambda: refresh_with_the_job(tenant_ids))
        profiles = count(url, "SELECT count(*) FROM customer_profiles")
        rows.append(("refresh stages + RFM: real job, first run (every buyer's stage written)", customers, first))
        vacuum_analyze(url)
        rows.append(("refresh stages + RFM: real job, again (the daily run)", customers,
                     timed(lambda: refresh_with_the_job(tenant_ids))))
        rows.append(("baseline: SELECT count(*) over the customers", customers,
                     timed(lambda: plain(url, "SELECT count(*) FROM customers"))))
        rows.append(("baseline: SELECT count(*) over the paid orders", orders,
                     timed(lambda: plain(url, "SELECT count(*) FROM segment_orders"))))
        rows.append(("baseline: UPDATE of the profile rows the refresh writes", profiles,
                     timed(lambda: plain(url, "UPDATE customer_profiles SET r = r, f = f, m = m, stage = stage"))))
        vacuum_analyze(url)
        matched = []
        rows.append(("segment (stage, net_spend, registered_days): real compiler", customers,
                     timed(lambda: matched.append(evaluate_segment(tenant_ids)))))
        rows.append(("baseline: SELECT count(*) over the customers", customers,
                     timed(lambda: plain(url, "SELECT count(*) FROM customers"))))

        print(f"\n{args.tenants} tenants, {customers:,} customers ({profiles:,} with a stage other than prospect), "
              f"{orders:,} paid orders; the segment matched {matched[0]:,}\n")
        print(f"{'what':<76} {'rows':>10} {'seconds':>9} {'rows/s':>11}")
        for what, rows_done, seconds in rows:
            print(f"{what:<76} {rows_done:>10,} {seconds:>9.2f} {rows_done / seconds:>11,.0f}")
        scan = rows[2][2] + rows[3][2]
        print(f"\nthe daily refresh takes {rows[1][2] / (scan + rows[4][2]):.1f}x a bare scan of customers and orders "
              f"plus a bare UPDATE of the profiles ({scan + rows[4][2]:.2f} s); the segment takes "
              f"{rows[5][2] / (rows[2][2] + rows[3][2]):.1f}x the two scans")
    finally:
        from core.db import database

        if database.engine is not None:
            database.engine.dispose()
        drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
