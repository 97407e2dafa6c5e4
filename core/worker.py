"""The loops that move jobs: the relay and scheduler beside an RQ worker, or an in-process runner."""

from __future__ import annotations

import logging
import threading

import click

from core import jobs

log = logging.getLogger("fission.worker")


def _tick(run_jobs_here: bool) -> int:
    if jobs.runtime.scheduler_enabled:
        jobs.schedule_periodic()
    return jobs.run_due() if run_jobs_here else jobs.relay_due()


def run_rq_worker(*, burst: bool = False, poll_seconds: float = 0.5) -> None:
    """`flask worker`: relay the outbox and schedule periodic work in a thread, run RQ jobs here.

    RQ's SimpleWorker runs jobs in this process: no fork per job (our jobs are short database
    transactions, and a forked child would inherit the parent's connection pool).
    """
    from redis import Redis
    from rq import SimpleWorker

    connection = Redis.from_url(jobs.runtime.redis_url)
    worker = SimpleWorker([jobs.runtime.queue_name], connection=connection)
    if burst:
        # Hand on and run until nothing is due and the queue is empty.
        while True:
            handed = _tick(run_jobs_here=False)
            worker.work(burst=True)
            if not handed and jobs.runtime.queue().count == 0:
                return
    stop = threading.Event()

    def relay_loop():
        while not stop.is_set():
            try:
                _tick(run_jobs_here=False)
            except Exception:
                log.exception("relay tick failed")
            stop.wait(poll_seconds)

    relay = threading.Thread(target=relay_loop, name="outbox-relay", daemon=True)
    relay.start()
    try:
        worker.work(with_scheduler=False)
    finally:
        stop.set()


class InlineRunner:
    """Without Redis: run due jobs and periodic work in a background thread of this process."""

    def __init__(self, poll_seconds: float = 1.0):
        self.poll_seconds = poll_seconds
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        if self._thread is not None:
            return
        jobs.set_inline_wakeup(self._wakeup.set)
        self._thread = threading.Thread(target=self._loop, name="inline-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                _tick(run_jobs_here=True)
            except Exception:
                log.exception("inline job tick failed")
            self._wakeup.wait(self.poll_seconds)
            self._wakeup.clear()


_inline_runner = InlineRunner()


def start_inline_jobs_on_first_request(app) -> None:
    """Without Redis, the web process runs jobs itself, starting with the first request it serves
    (not at import, so `flask db upgrade` and friends start no thread)."""

    @app.before_request
    def _start_inline_runner():
        _inline_runner.start()


def start_inline_jobs() -> None:
    _inline_runner.start()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run until no job is due, then exit.")
def worker_command(burst):
    """Run background jobs: the outbox relay, the scheduler and an RQ worker (needs REDIS_URL).

    Without REDIS_URL it runs jobs in this process instead.
    """
    if jobs.runtime.mode != "rq":
        if burst:
            jobs.schedule_periodic()
            click.echo(f"ran {jobs.run_due()} jobs in-process")
            return
        click.echo("REDIS_URL is not set: running jobs in-process")
        _inline_runner.start()
        threading.Event().wait()
    run_rq_worker(burst=burst)
