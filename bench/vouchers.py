"""Voucher benchmark: import a million codes through the CLI beside a plain PostgreSQL COPY of the same codes,
then verify codes in store from 8 concurrent staff clients beside the one-INSERT endpoint, in the same run.

    python bench/vouchers.py [--codes 1000000] [--clients 8] [--seconds 15]

Creates a scratch database (migrated), serves the app with gunicorn (2 sync workers, the repo's
gunicorn.conf.py, jobs and the guess counter on Redis as in production), creates a tenant, an accept pool
and one staff key per client through the API, writes the codes to a file (15-digit numbers, as Douyin's),
and times `flask --app app vouchers import POOL_ID FILE` (a process of its own, start-up included) and a
bare `COPY` of the same file into a one-column table with a primary key. Then each client verifies codes
of the million imported (distinct ones, so every verification redeems) as fast as it can; the baseline is
bench/baseline_app.py driven the same way. Prints rows/s, verifications/s, p50 and p99; drops the database.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.checkout import (  # noqa: E402 - after the path is set
    BASELINE_TABLE,
    PLATFORM_TOKEN,
    REDIS_URL,
    WARMUP_SECONDS,
    Client,
    Gunicorn,
    Result,
    create_database,
    drop_database,
)

BASELINE_CODES_TABLE = "CREATE TABLE bench_codes (code varchar(64) PRIMARY KEY)"


def write_codes(path: Path, count: int) -> list[str]:
    """`count` distinct 15-digit codes, one a line, in random order."""
    codes = [str(number) for number in random.sample(range(10**14, 10**15), count)]
    path.write_text("\n".join(codes) + "\n")
    return codes


def set_up_tenant(port: int, clients: int) -> tuple[str, list[str]]:
    """A tenant with an accept pool and a staff key per client, made through the API; the pool's id and keys."""
    platform = Client(port, PLATFORM_TOKEN)
    status, tenant = platform.post("/v1/platform/tenants", {"name": "Bench", "slug": f"bench-{uuid.uuid4().hex[:8]}"})
    assert status == 201, tenant
    admin = Client(port, tenant["admin_key"])
    status, pool = admin.post("/v1/admin/voucher-pools", {"name": "Douyin set meal", "platform": "offline",
                                                          "direction": "accept", "face_value": 3990})
    assert status == 201, pool
    keys = []
    for _ in range(clients):
        status, key = admin.post("/v1/admin/api-keys", {"role": "staff"})
        assert status == 201, key
        keys.append(key["key"])
    return pool["id"], keys


def time_cli_import(pool_id: str, path: Path, env: dict) -> tuple[float, dict]:
    began = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "vouchers", "import", pool_id,
                               str(path)], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if finished.returncode != 0:
        raise SystemExit(f"the import failed:\n{finished.stderr[-3000:]}")
    return seconds, json.loads(finished.stdout.strip().splitlines()[-1])


def time_plain_copy(url: str, path: Path) -> float:
    with psycopg.connect(url) as connection:
        connection.execute(BASELINE_CODES_TABLE)
        connection.commit()
        began = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy("COPY bench_codes (code) FROM STDIN") as copy, \
                path.open("rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        connection.commit()
        return time.perf_counter() - began


def _verifier(port: int, credential: str, codes: list[str], start_at: float, stop_at: float, results) -> None:
    """One cashier: verify codes one after another; record the latency of those finished inside the window."""
    client = Client(port, credential)
    samples, errors = [], 0
    for code in codes:
        if time.time() >= stop_at:
            break
        began = time.perf_counter()
        status, _ = client.post("/v1/admin/vouchers/verify", {"code": code})
        if time.time() >= start_at:
            if status == 200:
                samples.append((time.perf_counter() - began) * 1000)
            else:
                errors += 1
    results.put((samples, errors))


def _hitter(port: int, _credential: str, count: int, start_at: float, stop_at: float, results) -> None:
    client = Client(port)
    samples, errors = [], 0
    for _ in range(count):
        if time.time() >= stop_at:
            break
        began = time.perf_counter()
        status, _ = client.post("/hits", {"n": random.randrange(1000)})
        if time.time() >= start_at:
            if status == 201:
                samples.append((time.perf_counter() - began) * 1000)
            else:
                errors += 1
    results.put((samples, errors))


def drive(name: str, target, port: int, work: list[tuple[str, object]], seconds: float) -> Result:
    """Run one process per (credential, work) for a warm-up, then `seconds` of measurement."""
    start_at = time.time() + WARMUP_SECONDS + 0.5
    stop_at = start_at + seconds
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=target, args=(port, credential, items, start_at, stop_at, results))
                 for credential, items in work]
    for process in processes:
        process.start()
    samples, errors = [], 0
    for _ in processes:
        process_samples, process_errors = results.get(timeout=seconds + 120)
        samples += process_samples
        errors += process_errors
    for process in processes:
        process.join()
    return Result(name, len(samples), errors, seconds, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    if not 10_000 <= args.codes <= 5_000_000 or not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 45:
        parser.error("keep it bounded: 10,000-5,000,000 codes, 1-64 clients, 1-45 seconds")

    url = create_database()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="fission-vouchers-"))
    servers: list[Gunicorn] = []
    try:
        from core import migrate

        migrate.upgrade(url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(BASELINE_TABLE)
        env = {"DATABASE_URL": url, "FISSION_PLATFORM_TOKEN": PLATFORM_TOKEN, "SECRET_KEY": "bench-secret",
               "FISSION_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "WARNING",
               "STRIPE_SECRET_KEY": "", "FISSION_QUEUE": queue, "FISSION_JOBS_MODE": "rq", "REDIS_URL": REDIS_URL}

        shop = Gunicorn("app:create_app()", env).start()
        servers.append(shop)
        pool_id, keys = set_up_tenant(shop.port, args.clients)

        path = workdir / "codes.txt"
        codes = write_codes(path, args.codes)
        import_seconds, imported = time_cli_import(pool_id, path, env)
        copy_seconds = time_plain_copy(url, path)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE vouchers")

        shares = [codes[index::args.clients] for index in range(args.clients)]
        verifications = drive("verify", _verifier, shop.port, list(zip(keys, shares, strict=True)), args.seconds)
        shop.stop()

        baseline_server = Gunicorn("bench.baseline_app:app", env).start()
        servers.append(baseline_server)
        baseline = drive("baseline", _hitter, baseline_server.port, [("", 10**9)] * args.clients, args.seconds)
        baseline_server.stop()
    finally:
        for server in servers:
            server.stop()
        drop_database(url)
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
        _forget_queue(queue)

    report(args, import_seconds=import_seconds, imported=imported, copy_seconds=copy_seconds,
           verifications=verifications, baseline=baseline)


def report(args, *, import_seconds: float, imported: dict, copy_seconds: float, verifications: Result,
           baseline: Result) -> None:
    print(f"\n{args.codes:,} codes; {args.clients} staff clients, {args.seconds:.0f} s each, gunicorn 2 sync "
          f"workers, PostgreSQL, Redis, {os.cpu_count()} CPUs shared with the load generator\n")
    print(f"imported {imported['imported']:,}, duplicates {imported['duplicates']:,}, "
          f"invalid {imported['invalid']:,}\n")
    print("| import | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    print(f"| `flask vouchers import` (a process of its own: start-up, parsing, COPY, INSERT … ON CONFLICT) | "
          f"{args.codes:,} | {import_seconds:.1f} | {args.codes / import_seconds:,.0f} |")
    print(f"| baseline: plain `COPY` into a one-column table with a primary key | {args.codes:,} | "
          f"{copy_seconds:.1f} | {args.codes / copy_seconds:,.0f} |")
    print(f"\nratio: {copy_seconds / import_seconds:.0%} of the plain COPY's rate\n")
    print("| scenario | per second | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    print(f"| store verification (`POST /v1/admin/vouchers/verify`) | {verifications.rate:.0f} | "
          f"{verifications.percentile(0.5):.1f} | {verifications.percentile(0.99):.1f} | {verifications.errors} |")
    print(f"| baseline one-INSERT endpoint | {baseline.rate:.0f} | {baseline.percentile(0.5):.1f} | "
          f"{baseline.percentile(0.99):.1f} | {baseline.errors} |")
    print(f"\nratio: {verifications.rate / baseline.rate:.0%} of the baseline's requests/s")


def _forget_queue(queue: str) -> None:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)


if __name__ == "__main__":
    main()
