"""A background import on PostgreSQL with real threads: however many runs of its batch job overlap, each code of
the file is read once, and the import's counters add up to the file."""

from __future__ import annotations

import pytest

from core import jobs
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.vouchers import service as vouchers
from tests.api.loyalty.vouchers import create_pool, vouchers_of
from tests.integration.loyalty.test_voucher_races import race

pytestmark = pytest.mark.integration


def test_overlapping_runs_of_an_imports_batch_job_read_each_code_once(tenant, monkeypatch):
    pool = create_pool(tenant, name="Meituan", platform="meituan", direction="accept")
    codes = [f"OVERLAP{index:04d}" for index in range(7)]
    monkeypatch.setattr(jobs.runtime, "mode", "inline")  # no runner here: the batch jobs wait in the outbox
    with tenant_scope(tenant.id), unit_of_work() as session:
        import_id = vouchers.start_import(session, pool_id=pool["id"], filename="codes.txt",
                                          content="\n".join(codes).encode(), batch=2).id

    def run_batch():
        with tenant_scope(tenant.id), unit_of_work() as session:
            vouchers.import_batch(session, import_id=import_id, batch=2)

    race([run_batch] * 6)
    jobs.run_due(tenant_id=tenant.id)  # the follow-ups the runs queued find the import done

    with tenant_scope(tenant.id), unit_of_work() as session:
        done = vouchers.get_import(session, import_id=import_id)
        outcome = (done.status, done.total, done.processed, done.imported, done.duplicates, done.invalid, done.source)
    assert outcome == ("completed", 7, 7, 7, 0, 0, None)
    assert sorted(voucher["code"] for voucher in vouchers_of(tenant, pool, limit=100)) == codes
