"""Points benchmark: expire a million lots across 100 tenants and credit 100,000 paid orders, through the
real job and crediting code, each beside plain PostgreSQL statements doing the same rows in the same run.

    python bench/points.py [--tenants 100] [--lots 1000000] [--orders 100000] [--one-by-one 1000]
                           [--entries-baseline]

Crediting runs two ways: the batch path (`earn_for_orders`, 1,000 orders a transaction) and, on a sample,
one OrderPaid event per order as the shop publishes it (the same code with a batch of one).

Baselines, each writing the same rows as the real code: expiry by one plain UPDATE (no entries), the UPDATE
writing entries too (without, and with `--entries-baseline` also with, the `draws` the job writes), and plain
UPDATEs one tenant at a time; crediting by SQLAlchemy multi-row INSERTs and by bare psycopg
`INSERT … SELECT unnest(…)` (the leanest: no account lock, no check for a credit made before).

It creates its own scratch database (migrated), prints a table, and drops the database at the end.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CUSTOMERS_PER_TENANT = 100
CREDIT_TRANSACTION = 1_000  # paid orders per transaction when crediting


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


def seed_tenants(count: int) -> list[str]:
    """Tenants through the platform service, customers and settings in bulk."""
    from sqlalchemy import text

    from core.db import unit_of_work
    from core.tenancy import all_tenants
    from tenants.platform import service as platform

    with unit_of_work() as session, all_tenants():  # seeding every tenant at once, in bulk
        tenant_ids = [platform.create_tenant(session, name=f"Bench {i}", slug=f"bench-{i}")["id"]
                      for i in range(count)]
        session.execute(text("""
            UPDATE tenants SET settings = '{"loyalty": {"points_expiry": {"mode": "days", "days": 365}}}'
        """))
        session.execute(text("""
            INSERT INTO customers (tenant_id, id, openid, provider, invite_code, created_at)
            SELECT t.id, 'cus_' || t.id || '_' || lpad(c::text, 4, '0'), 'bench-' || c, 'dev',
                   'B' || lpad(c::text, 7, '0'), now()
            FROM tenants t CROSS JOIN generate_series(1, :per_tenant) AS c
        """), {"per_tenant": CUSTOMERS_PER_TENANT})
    return tenant_ids


def seed_due_lots(total: int, tenants: int) -> None:
    """`total` lots, spread evenly over every customer, all past their expiry."""
    from sqlalchemy import text

    from core.db import unit_of_work
    from core.tenancy import all_tenants

    per_customer = total // (tenants * CUSTOMERS_PER_TENANT)
    with unit_of_work() as session, all_tenants():  # seeding every tenant at once, in bulk
        session.execute(text("""
            INSERT INTO points_lots (tenant_id, id, customer_id, entry_id, points, remaining, expired,
                                     available_at, expires_at, created_at)
            SELECT c.tenant_id, 'plt_' || lpad((row_number() OVER ())::text, 24, '0'), c.id, 'pte_bench', 10, 10, 0,
                   now() - interval '40 days', now() - interval '1 day' - n * interval '1 second',
                   now() - interval '40 days'
            FROM customers c CROSS JOIN generate_series(1, :per_customer) AS n
        """), {"per_customer": per_customer})


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def reset_lots(url: str, *, lots: int, tenants: int) -> None:
    """Seed the due lots again, from scratch, and forget the expiry entries: every expiry run starts from the
    same table, row for row in the same places, vacuumed, just after a checkpoint. (With lots given their points
    back by an UPDATE, and no checkpoint, the same per-tenant UPDATEs took from 4.5 to 8 s from one run to the
    next; with both, 8.2 s twice. The checkpoint looks like most of it: where one fell decided which run paid
    the full-page writes.)"""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("TRUNCATE points_lots, points_entries")  # nothing but the seeded lots and expiries yet
    seed_due_lots(lots, tenants)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE points_lots")
        connection.execute("VACUUM ANALYZE points_entries")
    checkpoint(url)
    print(f"  (lots reset in {time.perf_counter() - started:.0f} s)", flush=True)


def checkpoint(url: str) -> None:
    """Each timed run starts just after a checkpoint, so each pays the same full-page writes to the WAL (where
    a checkpoint fell during a run swung its time by seconds)."""
    with psycopg.connect(url, autocommit=True) as connection:
        try:
            connection.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("  (no CHECKPOINT: not allowed to this user; timings vary more)", flush=True)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def expire_with_the_job(tenant_ids: list[str]) -> None:
    """The real periodic job, per tenant through the outbox, run in this process until no follow-up is due."""
    from core import jobs
    from core.db import unit_of_work

    with unit_of_work() as session:
        for tenant_id in tenant_ids:
            jobs.enqueue(session, "loyalty.points.expire", tenant_id=tenant_id)
    while jobs.run_due():
        pass


def expire_with_plain_sql(url: str, *, with_entries: bool, with_draws: bool = False) -> None:
    with psycopg.connect(url) as connection:
        if with_draws:  # the entries as the job writes them: each customer's lots in `draws`
            connection.execute("""
                WITH expired AS (
                    UPDATE points_lots SET expired = expired + remaining, remaining = 0
                    WHERE remaining > 0 AND expires_at <= now()
                    RETURNING tenant_id, customer_id, id, expired AS points)
                INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, draws, created_at)
                SELECT tenant_id, 'pte_' || md5(customer_id), customer_id, 'expire', -sum(points),
                       'expire:' || customer_id, jsonb_agg(jsonb_build_object('lot_id', id, 'points', points)),
                       now()
                FROM expired GROUP BY tenant_id, customer_id
            """)
        elif with_entries:
            connection.execute("""
                WITH expired AS (
                    UPDATE points_lots SET expired = expired + remaining, remaining = 0
                    WHERE remaining > 0 AND expires_at <= now()
                    RETURNING tenant_id, customer_id, expired AS points)
                INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, created_at)
                SELECT tenant_id, 'pte_' || md5(customer_id), customer_id, 'expire', -sum(points),
                       'expire:' || customer_id, now()
                FROM expired GROUP BY tenant_id, customer_id
            """)
        else:
            connection.execute("""
                UPDATE points_lots SET expired = expired + remaining, remaining = 0
                WHERE remaining > 0 AND expires_at <= now()
            """)


def expire_per_tenant_with_plain_sql(url: str, tenant_ids: list[str]) -> None:
    """The bare statement the job's shape implies: a tenant's due lots are found through the index, page by
    page, where the single UPDATE reads the table once from end to end."""
    with psycopg.connect(url) as connection:
        for tenant_id in tenant_ids:
            connection.execute("""
                UPDATE points_lots SET expired = expired + remaining, remaining = 0
                WHERE tenant_id = %s AND remaining > 0 AND expires_at <= now()
            """, (tenant_id,))
            connection.commit()


def _customer(tenant_id: str, n: int) -> str:
    return f"cus_{tenant_id}_{n % CUSTOMERS_PER_TENANT + 1:04d}"


def credit_in_batches(tenant_ids: list[str], orders: int) -> None:
    """The real crediting code, CREDIT_TRANSACTION paid orders per call and transaction, as the payment's
    handler calls it (no `PointsEntry` objects built: nothing reads them)."""
    from core.db import unit_of_work
    from core.ids import new_id
    from core.tenancy import tenant_scope
    from loyalty.points import service as points

    per_tenant = orders // len(tenant_ids)
    for tenant_id in tenant_ids:
        for start in range(0, per_tenant, CREDIT_TRANSACTION):
            with unit_of_work() as session, tenant_scope(tenant_id):
                points.earn_for_orders(session, [
                    points.PaidOrder(_customer(tenant_id, n), new_id("ord"), 12_345 + n, "CNY")
                    for n in range(start, min(start + CREDIT_TRANSACTION, per_tenant))
                ], entries=False)


def credit_one_event_per_order(tenant_ids: list[str], orders: int) -> None:
    """OrderPaid published per order, as the shop does, each in its own transaction (like a payment)."""
    from core import events
    from core.db import unit_of_work
    from core.ids import new_id
    from core.tenancy import tenant_scope

    per_tenant = orders // len(tenant_ids)
    for tenant_id in tenant_ids:
        for n in range(per_tenant):
            with unit_of_work() as session, tenant_scope(tenant_id):
                events.publish(session, events.OrderPaid(tenant_id, new_id("ord"), _customer(tenant_id, n), "CNY",
                                                         amount=12_345 + n))


def credit_with_plain_inserts(tenant_ids: list[str], orders: int) -> None:
    """The same rows (an entry and a lot per order) by plain multi-row INSERTs from Python."""
    from core import clock
    from core.db import unit_of_work
    from core.ids import new_id
    from core.tenancy import tenant_scope
    from loyalty.points.models import PointsEntry, PointsLot

    per_tenant = orders // len(tenant_ids)
    now = clock.now()
    for tenant_id in tenant_ids:
        for start in range(0, per_tenant, CREDIT_TRANSACTION):
            entries, lots = [], []
            for n in range(start, min(start + CREDIT_TRANSACTION, per_tenant)):
                customer_id = _customer(tenant_id, n)
                entry_id, lot_id = new_id("pte"), new_id("plt")
                entries.append({"tenant_id": tenant_id, "id": entry_id, "customer_id": customer_id, "kind": "bench",
                                "points": 123, "source": f"bench:{entry_id}", "lot_id": lot_id, "created_at": now})
                lots.append({"tenant_id": tenant_id, "id": lot_id, "customer_id": customer_id, "entry_id": entry_id,
                             "points": 123, "remaining": 123, "expired": 0, "available_at": now,
                             "expires_at": now + timedelta(days=365), "created_at": now})
            with unit_of_work() as session, tenant_scope(tenant_id):
                session.execute(PointsEntry.__table__.insert(), entries)
                session.execute(PointsLot.__table__.insert(), lots)


def credit_with_bare_unnest(url: str, tenant_ids: list[str], orders: int) -> None:
    """The same rows again, by the leanest statements: psycopg alone (no SQLAlchemy, no tenancy hook), two
    `INSERT … SELECT unnest(…)` a transaction, entries then lots. No account lock, no check for a credit
    made before: only the rows' writing."""
    from core import clock
    from core.ids import new_ids

    per_tenant = orders // len(tenant_ids)
    now = clock.now()
    with psycopg.connect(url) as connection:
        for tenant_id in tenant_ids:
            for start in range(0, per_tenant, CREDIT_TRANSACTION):
                count = min(start + CREDIT_TRANSACTION, per_tenant) - start
                customers = [_customer(tenant_id, n) for n in range(start, start + count)]
                entry_ids, lot_ids = new_ids("pte", count), new_ids("plt", count)
                connection.execute("""
                    INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, lot_id,
                                                available_at, expires_at, created_at)
                    SELECT %(tenant)s, unnest(%(ids)s::text[]), unnest(%(customers)s::text[]), 'bench', 123,
                           'bench:' || unnest(%(ids)s::text[]), unnest(%(lots)s::text[]), %(now)s, %(expires)s,
                           %(now)s
                """, {"tenant": tenant_id, "ids": entry_ids, "customers": customers, "lots": lot_ids, "now": now,
                      "expires": now + timedelta(days=365)})
                connection.execute("""
                    INSERT INTO points_lots (tenant_id, id, customer_id, entry_id, points, remaining, expired,
                                             available_at, expires_at, created_at)
                    SELECT %(tenant)s, unnest(%(lots)s::text[]), unnest(%(customers)s::text[]),
                           unnest(%(ids)s::text[]), 123, 123, 0, %(now)s, %(expires)s, %(now)s
                """, {"tenant": tenant_id, "ids": entry_ids, "customers": customers, "lots": lot_ids, "now": now,
                      "expires": now + timedelta(days=365)})
                connection.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--one-by-one", type=int, default=1_000, help="orders credited one event at a time")
    parser.add_argument("--entries-baseline", action="store_true",
                        help="also time a plain UPDATE that writes the ledger entries too (without and with "
                             "`draws`), and plain UPDATEs one tenant at a time (three more resets)")
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
        tenant_ids = seed_tenants(args.tenants)
        lots = args.lots // (args.tenants * CUSTOMERS_PER_TENANT) * args.tenants * CUSTOMERS_PER_TENANT
        reset_lots(url, lots=lots, tenants=args.tenants)  # seeded as every later reset seeds them, vacuumed alike
        analyze(url)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)

        rows = []
        rows.append(("expire lots: real job (per tenant, set-based, + ledger entries)", lots,
                     timed(lambda: expire_with_the_job(tenant_ids))))
        reset_lots(url, lots=lots, tenants=args.tenants)
        rows.append(("expire lots: plain UPDATE", lots, timed(lambda: expire_with_plain_sql(url, with_entries=False))))
        if args.entries_baseline:
            reset_lots(url, lots=lots, tenants=args.tenants)
            rows.append(("expire lots: plain UPDATE + INSERT entries (one statement)", lots,
                         timed(lambda: expire_with_plain_sql(url, with_entries=True))))
            reset_lots(url, lots=lots, tenants=args.tenants)
            rows.append(("expire lots: plain UPDATE + INSERT entries with draws (one stmt)", lots,
                         timed(lambda: expire_with_plain_sql(url, with_entries=True, with_draws=True))))
            reset_lots(url, lots=lots, tenants=args.tenants)
            rows.append(("expire lots: plain UPDATE, one statement per tenant", lots,
                         timed(lambda: expire_per_tenant_with_plain_sql(url, tenant_ids))))
        orders = args.orders // args.tenants * args.tenants
        checkpoint(url)
        rows.append(("credit paid orders: real code, 1,000 orders a transaction", orders,
                     timed(lambda: credit_in_batches(tenant_ids, orders))))
        checkpoint(url)
        rows.append(("credit paid orders: plain INSERT of the same entry + lot rows", orders,
                     timed(lambda: credit_with_plain_inserts(tenant_ids, orders))))
        checkpoint(url)
        rows.append(("credit paid orders: bare psycopg INSERT … unnest, entries + lots", orders,
                     timed(lambda: credit_with_bare_unnest(url, tenant_ids, orders))))
        one_by_one = args.one_by_one // args.tenants * args.tenants
        checkpoint(url)
        rows.append(("credit paid orders: one OrderPaid event per transaction", one_by_one,
                     timed(lambda: credit_one_event_per_order(tenant_ids, one_by_one))))

        print(f"\n{args.tenants} tenants, {args.tenants * CUSTOMERS_PER_TENANT:,} customers, {lots:,} due lots, "
              f"{orders:,} paid orders\n")
        print("(a paid order credited is one row here; it writes a ledger entry and a lot)\n")
        print(f"{'what':<66} {'rows':>10} {'seconds':>9} {'rows/s':>10}")
        for what, count, seconds in rows:
            print(f"{what:<66} {count:>10,} {seconds:>9.2f} {count / seconds:>10,.0f}")
    finally:
        from core.db import database

        if database.engine is not None:
            database.engine.dispose()
        drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
