"""Settlement benchmark: a million due commissions across 100 tenants settled by the real job, beside a plain
UPDATE of the same rows in the same run.

    python bench/settlement.py [--tenants 100] [--commissions 1000000] [--distributors 100] [--batch 5000]

The job is the real one: an on-demand settlement run per tenant through the outbox, each batch a job of its
own (one locking UPDATE … FROM (… FOR UPDATE SKIP LOCKED) RETURNING, the ledger transaction posted from
what it returned, the run's counters), run in this process until no follow-up is due. The baseline is one
plain `UPDATE commissions SET status = 'settled' …` over the same rows, with no ledger and no batches.

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


def create_database(admin_url: str) -> str:
    name = f"fission_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def seed(tenants: int, commissions: int, distributors: int) -> list[str]:
    """Tenants through the platform service; customers, distributors and due commissions in bulk SQL."""
    from sqlalchemy import text

    from core.db import unit_of_work
    from core.tenancy import all_tenants
    from tenants.platform import service as platform

    per_tenant = commissions // tenants
    with unit_of_work() as session, all_tenants():  # seeding every tenant at once, in bulk
        tenant_ids = [platform.create_tenant(session, name=f"Bench {i}", slug=f"bench-{i}")["id"]
                      for i in range(tenants)]
        session.execute(text("""
            INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at)
            SELECT t.id, 'cus_' || t.id || '_' || lpad(d::text, 5, '0'), 'bench-' || d, 'dev',
                   upper(substr(md5(t.id || d), 1, 8)), now()
            FROM tenants t CROSS JOIN generate_series(1, :distributors) AS d
        """), {"distributors": distributors})
        session.execute(text("""
            INSERT INTO distributors (tenant_id, id, customer_id, status, source, created_at, updated_at, approved_at)
            SELECT tenant_id, 'dst_' || substr(id, 5), id, 'approved', 'everyone', now(), now(), now()
            FROM customers
        """))
        session.execute(text("""
            INSERT INTO commissions (tenant_id, id, order_id, line_id, customer_id, distributor_id, level, kind,
                                     product_id, quantity, currency, base, net, rate, amount, status, created_at,
                                     final_at)
            SELECT t.id, 'com_' || lpad(n::text, 10, '0'), 'ord_' || n, 'oln_' || n, 'cus_buyer',
                   'dst_' || t.id || '_' || lpad((n % :distributors + 1)::text, 5, '0'), 1, 'sale', 'prod_bench', 1,
                   'CNY', 1000 + n % 997, 1000 + n % 997, '0.1', (1000 + n % 997) / 10, 'frozen',
                   now() - interval '8 days', now() - interval '1 hour'
            FROM tenants t CROSS JOIN generate_series(1, :per_tenant) AS n
        """), {"distributors": distributors, "per_tenant": per_tenant})
    return tenant_ids


def vacuum(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def reset(url: str) -> None:
    """Every commission due again, the runs and their ledger postings forgotten; VACUUM so the next
    contender does not pay for the dead rows the previous one left."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE commissions SET status = 'frozen', settled_at = NULL, settlement_id = NULL")
        connection.execute("DELETE FROM ledger_entries")
        connection.execute("DELETE FROM ledger_transactions")
        connection.execute("DELETE FROM settlements")
        connection.execute("DELETE FROM job_outbox")
    vacuum(url)
    print(f"  (reset in {time.perf_counter() - started:.0f} s)", flush=True)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def settle_with_the_job(tenant_ids: list[str], batch: int) -> None:
    """An on-demand run per tenant (POST /v1/finance/settlements does the same), its batches run here."""
    from core import jobs
    from core.db import unit_of_work
    from core.tenancy import tenant_scope
    from shop.distribution import service

    for tenant_id in tenant_ids:
        with unit_of_work() as session, tenant_scope(tenant_id):
            service.request_settlement(session, limit=batch)
    while jobs.run_due():
        pass


def settle_with_plain_sql(url: str) -> None:
    with psycopg.connect(url) as connection:
        connection.execute("UPDATE commissions SET status = 'settled', settled_at = now() "
                           "WHERE status = 'frozen' AND final_at IS NOT NULL")


def check(url: str, expected: int) -> str:
    """That the job settled every row once and the ledger balances."""
    with psycopg.connect(url) as connection:
        settled = connection.execute("SELECT count(*), sum(amount) FROM commissions "
                                     "WHERE status = 'settled'").fetchone()
        runs = connection.execute("SELECT sum(commissions), sum(amount) FROM settlements").fetchone()
        unbalanced = connection.execute("SELECT count(*) FROM (SELECT tenant_id, currency FROM ledger_entries "
                                        "GROUP BY tenant_id, currency HAVING sum(amount) <> 0) AS u").fetchone()[0]
    ok = settled[0] == expected and tuple(runs) == tuple(settled) and unbalanced == 0
    return f"settled {settled[0]:,} (runs say {runs[0]:,}), ledger balanced in every tenant: {unbalanced == 0}" + (
        "" if ok else "  <-- MISMATCH")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--commissions", type=int, default=1_000_000)
    parser.add_argument("--distributors", type=int, default=100, help="per tenant")
    parser.add_argument("--batch", type=int, default=5_000, help="commissions per batch (one job each)")
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
        tenant_ids = seed(args.tenants, args.commissions, args.distributors)
        total = args.commissions // args.tenants * args.tenants
        vacuum(url)
        print(f"seeded {total:,} due commissions in {time.perf_counter() - started:.0f} s", flush=True)

        job = timed(lambda: settle_with_the_job(tenant_ids, args.batch))
        print(f"  {check(url, total)}", flush=True)
        reset(url)
        plain = timed(lambda: settle_with_plain_sql(url))

        print(f"\n{args.tenants} tenants, {args.distributors} distributors each, {total:,} due commissions, "
              f"batches of {args.batch:,}\n")
        print(f"{'what':<72} {'rows':>10} {'seconds':>9} {'rows/s':>10}")
        for what, seconds in (("settle: real job (per tenant, batch jobs, set-based, + ledger postings)", job),
                              ("settle: one plain UPDATE of the same rows", plain)):
            print(f"{what:<72} {total:>10,} {seconds:>9.2f} {total / seconds:>10,.0f}")
        print(f"\nreal job / plain UPDATE throughput: {plain / job:.0%}")
    finally:
        from core.db import database

        if database.engine is not None:
            database.engine.dispose()
        drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
