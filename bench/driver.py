"""What one short transaction costs on each path the app has to PostgreSQL: CPU of this process (user and
system) and of the server's backend, per transaction of one statement.

    .venv/bin/python bench/driver.py [--transactions 4000]

Each transaction is a BEGIN, one statement returning a row of four columns, and a COMMIT, run on one pooled
connection of the app's own engine (core.db), in turns, so drift of the machine falls on every path:
- `session`: SQLAlchemy's `Session.execute` of the text (the path most of the app takes);
- `cursor`: a psycopg cursor on the session's connection (what core/driver.py did until its eighth pass);
- `driver`: `core.driver.execute_on_driver` (prepared once it has run twice, the BEGIN sent with the statement).
The server's CPU is read from /proc (a local server, Linux); 0 where it cannot be.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proc_cpu import cpu_seconds  # noqa: E402

URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STATEMENT = text("SELECT CAST(:tenant_id AS text) AS tenant, CAST(:n AS integer) AS n, "
                 "CAST(:label AS text) AS label, now() AS at")
TENANT = "ten_bench_driver"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=4000)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()

    from core.db import database, unit_of_work
    from core.driver import execute_on_driver
    from core.tenancy import tenant_scope

    database.configure(URL, pool_size=1)
    parameters = {"tenant_id": TENANT, "n": 7, "label": "bench"}

    def session_path():
        with unit_of_work() as session, tenant_scope(TENANT):
            session.execute(STATEMENT, parameters).one()

    def cursor_path():
        with unit_of_work() as session, tenant_scope(TENANT):
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute("SELECT %(tenant_id)s::text, %(n)s::integer, %(label)s::text, now()", parameters)
                cursor.fetchall()

    def driver_path():
        with unit_of_work() as session, tenant_scope(TENANT):
            execute_on_driver(session, STATEMENT, parameters).one()

    paths = {"session": session_path, "cursor": cursor_path, "driver": driver_path}
    with unit_of_work() as session:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    totals = {name: [0.0, 0.0, 0.0, 0.0] for name in paths}  # user, system, server, wall
    for _ in range(args.turns):
        for name, run in paths.items():
            for _ in range(200):  # warm: statements prepared, plans cached
                run()
            server, before, started = cpu_seconds(backend) or 0.0, os.times(), time.perf_counter()
            for _ in range(args.transactions):
                run()
            after = os.times()
            total = totals[name]
            total[0] += after.user - before.user
            total[1] += after.system - before.system
            total[2] += (cpu_seconds(backend) or 0.0) - server
            total[3] += time.perf_counter() - started
    count = args.transactions * args.turns
    print(f"{count} transactions per path (BEGIN, one statement, COMMIT), in {args.turns} turns; µs per transaction")
    print("| path | client user CPU | client system CPU | server CPU | all CPU | wall |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (user, system, server, wall) in totals.items():
        each = [value / count * 1e6 for value in (user, system, server, user + system + server, wall)]
        print(f"| {name} | " + " | ".join(f"{value:.0f}" for value in each) + " |")
    database.require_engine().dispose()


if __name__ == "__main__":
    main()
