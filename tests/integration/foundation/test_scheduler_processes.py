"""The scheduler in several real processes at once, against one PostgreSQL: each periodic task's slot is
claimed by exactly one of them, and each active tenant's job is written once per slot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from core import jobs
from core.db import unit_of_work
from core.jobs import OutboxJob
from tests.support.processes import ROOT

pytestmark = pytest.mark.integration

PROCESSES = 4
TRAVEL_DAYS = 7300  # a slot of every periodic task that no other test reaches


def run_schedulers_together(env: dict) -> list[int]:
    start = time.time() + 6  # time enough for every process to import the app before the gun
    while not 10 <= start % 60 <= 50:  # all of them well inside one minute: one slot of every task
        start += 5
    processes = [subprocess.Popen([sys.executable, "-m", "tests.support.scheduler_process", str(start),
                                   str(TRAVEL_DAYS)], cwd=ROOT, env={**os.environ, **env},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(PROCESSES)]
    written = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        written.append(json.loads(out.strip().splitlines()[-1])["written"])
    return written


def jobs_of_the_slot() -> dict[str, list[str]]:
    """Tenant ids of the intents written for the travelled slot, per periodic task."""
    by_task = {}
    with unit_of_work() as session:
        for spec in jobs.periodic_specs():
            seconds = spec.every.total_seconds()
            prefix = f"{spec.name}:"
            rows = session.scalars(select(OutboxJob).where(OutboxJob.id.startswith(prefix))).all()
            # The slot is the key's last part: keep the intents of slots as far ahead as the travel.
            horizon = time.time() + (TRAVEL_DAYS - 1) * 86400
            slots = [(row.tenant_id, row.id.rsplit(":", 1)[1]) for row in rows]  # on-demand runs share the prefix
            by_task[spec.name] = [tenant for tenant, slot in slots if slot.isdigit() and int(slot) * seconds > horizon]
    return by_task


def test_schedulers_in_several_processes_write_each_tenants_job_once_per_slot(platform, tenant, other_tenant,
                                                                              worker_env):
    platform.post(f"/v1/platform/tenants/{other_tenant.id}/suspend", expect=200)

    written = run_schedulers_together(worker_env)

    by_task = jobs_of_the_slot()
    assert set(by_task) == {spec.name for spec in jobs.periodic_specs()} and by_task
    for name, tenant_ids in by_task.items():
        assert tenant_ids.count(tenant.id) == 1, name
        assert other_tenant.id not in tenant_ids, name
        assert len(tenant_ids) == len(set(tenant_ids)), name
    # One process claimed each task's slot and wrote its intents; the others wrote none (the claim, not
    # the outbox's unique key, kept them out).
    assert sum(written) == sum(len(tenant_ids) for tenant_ids in by_task.values())
