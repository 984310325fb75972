"""Cancel stops between batches, keeping what was applied; a retry after a crash repeats nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from tests.imports.helpers import (
    DOMAIN,
    csv_bytes,
    customers_file,
    imported_customers,
    run,
    submit_file,
)
from webapp.engine import runner, service
from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.importers import apply
from webapp.models.imports import ImportBatch
from webapp.models.job import Job, JobEvent


@pytest.fixture
def small_batches(app, monkeypatch) -> Iterator[None]:
    """Batches of 2 rows, and every progress call written (so each one sees a cancel)."""
    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 2)
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0.0)
    yield


def test_cancel_stops_between_batches_and_keeps_what_was_applied(
    stub_broker, staff, small_batches, monkeypatch
):
    """The owner cancels while batch 1 is written: batch 1 stays, nothing after it is applied."""
    job = submit_file(staff, "customers", "apply", csv_bytes(customers_file(7)))
    real_write = apply.write
    calls = []

    def write_then_cancel(kind, plan):
        calls.append(len(plan.creates))
        if len(calls) == 1:  # the owner clicks Cancel while batch 1 is being written
            service.cancel_job(db.session.get(Job, job.id))
        real_write(kind, plan)

    monkeypatch.setattr(apply, "write", write_then_cancel)
    done = run(job.id)
    assert done.status == "cancelled"
    assert calls == [2]  # no batch after the cancel was written
    assert sorted(imported_customers()) == [f"person0@{DOMAIN}", f"person1@{DOMAIN}"]
    assert done.result_data["counts"] == {"created": 2, "updated": 0, "unchanged": 0,
                                          "rejected": 0}  # fmt: skip
    assert done.result_data["note"].startswith("Cancelled after 2 rows. The rows before that")
    detail = db.session.scalar(
        select(JobEvent.detail).where(JobEvent.job_id == job.id, JobEvent.kind == "cancelled")
    )
    assert detail == (
        "Stopped at the owner's request: stopped after 2 rows; everything before stays applied"
    )


def test_a_retry_after_a_crash_skips_applied_batches_and_counts_right(
    stub_broker, staff, small_batches, monkeypatch
):
    """Attempt 1 dies after committing batch 1; attempt 2 applies the rest, counts all 7 once."""
    job = submit_file(staff, "customers", "apply", csv_bytes(customers_file(7)))
    real_write = apply.write
    calls = []

    def crash_on_second_batch(kind, plan):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker dies here")
        real_write(kind, plan)

    monkeypatch.setattr(apply, "write", crash_on_second_batch)
    first = run(job.id)
    assert first.status == "pending" and first.attempts == 1  # waiting to retry
    assert len(imported_customers()) == 2
    db.session.execute(update(Job).where(Job.id == job.id).values(available_at=db_time()))
    db.session.commit()  # its backoff is over
    done = run(job.id)
    assert done.status == "completed", done.error_message
    assert done.attempts == 2
    assert done.result_data["counts"] == {"created": 7, "updated": 0, "unchanged": 0,
                                          "rejected": 0}  # fmt: skip
    assert len(imported_customers()) == 7
    emails = db.session.scalar(
        select(func.count()).select_from(ImportBatch).where(ImportBatch.job_id == job.id)
    )
    assert emails == 4  # batches of 2, 2, 2 and 1: each committed exactly once


def test_a_retry_of_check_only_starts_again_and_writes_nothing(stub_broker, staff, small_batches,
                                                                monkeypatch):  # fmt: skip
    """Checking only keeps no batches: a second attempt counts from the start."""
    job = submit_file(staff, "customers", "check", csv_bytes(customers_file(5)))
    real_plan = apply.plan
    calls = []

    def crash_once(kind, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("crash")
        return real_plan(kind, rows)

    monkeypatch.setattr(apply, "plan", crash_once)
    run(job.id)
    db.session.execute(update(Job).where(Job.id == job.id).values(available_at=db_time()))
    db.session.commit()
    done = run(job.id)
    assert done.status == "completed"
    assert done.result_data["counts"]["created"] == 5
    assert imported_customers() == {}
