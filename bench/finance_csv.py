"""Finance benchmark: a tenant's ledger of a million entries read as CSV through the API (streamed), beside
PostgreSQL's own `COPY … TO STDOUT (FORMAT csv)` of the same rows in the same run; and the reports over it.

    python bench/finance_csv.py [--entries 1000000] [--distributors 1000]

The CSV is the real route: `GET /v1/finance/ledger/entries` with `Accept: text/csv`, served by the app through
its WSGI stack (Flask's test client, not buffered), read chunk by chunk as a client would. The baseline is the
same join (entries with their transaction's kind, key and reference) copied out by PostgreSQL itself, which
is as fast as a CSV of these rows can leave the database. The process's peak memory is printed beside: a
streamed CSV keeps it flat whatever the number of rows. Then the trial balance, the commissions report and the
reconciliation (with its checks) over the same ledger, each timed once.

It creates its own scratch database (migrated), prints a table, and drops the database at the end.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import uuid
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
JOIN = ("SELECT e.id, e.transaction_id, t.kind, t.key, t.reference, e.account, e.amount, e.currency, e.created_at "
        "FROM ledger_entries e JOIN ledger_transactions t ON t.tenant_id = e.tenant_id AND t.id = e.transaction_id "
        "WHERE e.tenant_id = '{tenant}' ORDER BY e.id DESC")


def create_database(admin_url: str) -> str:
    name = f"fission_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def seed(url: str, *, entries: int, distributors: int) -> tuple[str, str]:
    """A tenant (through the platform service) whose ledger holds `entries` entries: accruals Dr expense / Cr a
    distributor's frozen, two entries each, in bulk SQL. Returns (tenant id, its admin key)."""
    from core.db import unit_of_work
    from tenants.platform import service as platform

    with unit_of_work() as session:
        created = platform.create_tenant(session, name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    transactions = entries // 2
    with psycopg.connect(url) as connection:
        connection.execute("""
            INSERT INTO ledger_transactions (tenant_id, id, kind, key, reference, created_at)
            SELECT %(tenant)s, 'ltx_' || lpad(n::text, 10, '0'), 'commission.accrual', 'accrual:sale:ord_' || n,
                   'ord_' || n, now() - (%(count)s - n) * interval '1 second'
            FROM generate_series(1, %(count)s) AS n""", {"tenant": created["id"], "count": transactions})
        connection.execute("""
            INSERT INTO ledger_entries (tenant_id, id, transaction_id, account, currency, amount, created_at)
            SELECT t.tenant_id, 'len_' || substr(t.id, 5) || side, t.id,
                   CASE side WHEN 'a' THEN 'commissions:expense'
                        ELSE 'distributor:dst_' || lpad((substr(t.id, 5)::int %% %(distributors)s)::text, 6, '0')
                             || ':frozen' END,
                   'CNY', CASE side WHEN 'a' THEN 1 ELSE -1 END * (100 + substr(t.id, 5)::int %% 900), t.created_at
            FROM ledger_transactions t CROSS JOIN (VALUES ('a'), ('b')) AS s(side)
            WHERE t.tenant_id = %(tenant)s""", {"tenant": created["id"], "distributors": distributors})
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return created["id"], created["admin_key"]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def csv_through_the_api(app, admin_key: str) -> tuple[int, int, float]:
    """(rows, bytes, seconds) of the route's CSV, read as it streams."""
    client = app.test_client()
    started = time.perf_counter()
    response = client.get("/v1/finance/ledger/entries", buffered=False,
                          headers={"Authorization": f"Bearer {admin_key}", "Accept": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)
    size = rows = 0
    for chunk in response.response:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        size += len(data)
        rows += data.count(b"\r\n")
    response.close()
    return rows - 1, size, time.perf_counter() - started


def csv_by_copy(url: str, tenant_id: str) -> tuple[int, int, float]:
    started = time.perf_counter()
    size = rows = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY ({JOIN.format(tenant=tenant_id)}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                size += len(chunk)
                rows += bytes(chunk).count(b"\n")
    return rows - 1, size, time.perf_counter() - started


def report_seconds(app, admin_key: str, path: str) -> float:
    client = app.test_client()
    started = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {admin_key}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--distributors", type=int, default=1_000)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args()

    url = create_database(args.admin_url)
    try:
        from app import create_app
        from core import migrate

        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "REDIS_URL": None, "FISSION_JOBS_MODE": "eager",
                          "SECRET_KEY": "bench", "FISSION_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                          "LOG_LEVEL": "WARNING"})
        started = time.perf_counter()
        tenant_id, admin_key = seed(url, entries=args.entries, distributors=args.distributors)
        print(f"seeded {args.entries:,} ledger entries in {time.perf_counter() - started:.0f} s", flush=True)

        before = peak_mib()
        copy_rows, copy_bytes, copy_seconds = csv_by_copy(url, tenant_id)
        api_rows, api_bytes, api_seconds = csv_through_the_api(app, admin_key)
        grown = peak_mib() - before
        reports = [(path, report_seconds(app, admin_key, path)) for path in (
            "/v1/finance/reports/trial-balance", "/v1/finance/reports/commissions",
            "/v1/finance/reports/reconciliation")]

        print(f"\none tenant, {args.entries:,} ledger entries over {args.distributors:,} distributors\n")
        print(f"{'what':<62} {'rows':>10} {'MiB':>7} {'seconds':>9} {'rows/s':>10}")
        for what, rows, size, seconds in (
                ("ledger entries as CSV: the API route, streamed", api_rows, api_bytes, api_seconds),
                ("the same rows: PostgreSQL COPY … TO STDOUT (FORMAT csv)", copy_rows, copy_bytes, copy_seconds)):
            print(f"{what:<62} {rows:>10,} {size / 2**20:>7.1f} {seconds:>9.2f} {rows / seconds:>10,.0f}")
        print(f"\nAPI / COPY throughput: {copy_seconds / api_seconds:.0%}; "
              f"the process's peak memory grew by {grown:.0f} MiB while streaming {api_bytes / 2**20:.0f} MiB")
        for path, seconds in reports:
            print(f"{path:<62} {seconds:>9.2f} s")
    finally:
        from core.db import database

        if database.engine is not None:
            database.engine.dispose()
        drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
