"""A real worker process killed with -9 mid-import: a second one finishes it, nothing twice."""

from __future__ import annotations

import os
import signal

import pytest
from sqlalchemy import func, select

from tests.imports.helpers import DOMAIN, csv_bytes, customers_file, submit_file
from tests.jobs.helpers import wait_for
from tests.jobs.test_worker_processes import heartbeat_pids, start_worker, wait_until  # noqa: F401
from webapp.engine import recovery
from webapp.extensions import db
from webapp.models.imports import ImportBatch
from webapp.models.sales import Customer

pytestmark = pytest.mark.slow
ROWS = 60_000


def applied_batches(job_id: str) -> int:
    db.session.rollback()
    query = select(func.count()).select_from(ImportBatch).where(ImportBatch.job_id == job_id)
    return db.session.scalar(query) or 0


def test_killed_mid_import_then_completed_without_duplicates(start_worker, staff):  # noqa: F811
    """SIGKILL after a few batches; recovery gives the job to a new worker; counts are exact."""
    settings = {"IMPORT_BATCH_ROWS": "500"}
    first = start_worker(settings=settings)
    first_pids = wait_until(heartbeat_pids)
    job = submit_file(staff, "customers", "apply", csv_bytes(customers_file(ROWS)))
    wait_until(lambda: applied_batches(job.id) >= 3, timeout=60)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    killed_at = applied_batches(job.id)
    assert killed_at < ROWS // 500, "the import finished before the kill: make it longer"

    start_worker(settings=settings)
    wait_until(lambda: heartbeat_pids() - first_pids)
    wait_until(lambda: recovery.recover().requeued, timeout=30)  # once the lease runs out
    done = wait_for(job.id, lambda j: j.is_final, timeout=120)
    assert done.status == "completed", (done.error_code, done.error_message)
    assert done.attempts == 2
    assert done.result_data["counts"] == {"created": ROWS, "updated": 0, "unchanged": 0,
                                          "rejected": 0}  # fmt: skip
    count = select(func.count()).select_from(Customer).where(Customer.email.like(f"%@{DOMAIN}"))
    assert db.session.scalar(count) == ROWS
    assert applied_batches(job.id) == ROWS // 500
