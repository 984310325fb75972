"""The job lifecycle on a real Redis with a real dramatiq Worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from tests.jobs import helpers
from tests.jobs.helpers import wait_for
from webapp.engine import dispatch, service
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job, JobEvent


def events(job_id: str) -> list[tuple[str, int, str | None]]:
    rows = db.session.execute(
        select(JobEvent.kind, JobEvent.attempt, JobEvent.error_code)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.id)
    ).all()
    return [tuple(r) for r in rows]


def test_ping_completes_with_progress(worker, staff):
    """A ping job runs on the worker, reports progress and completes at 100 %."""
    job = service.submit(staff, "ping", {"steps": 5, "duration": 0.5})
    seen = wait_for(job.id, lambda j: j.status == "processing" and 0 < j.progress < 100)
    assert seen.message.startswith("Step")
    done = wait_for(job.id, lambda j: j.is_final)
    assert (done.status, done.progress, done.attempts) == ("completed", 100, 1)
    assert done.started_at <= done.completed_at and done.worker_id is None


def test_retry_then_success(worker, staff, test_types):
    """An attempt that raises is retried after a backoff and the job then completes."""
    test_types["fail_times"] = 1
    job = service.submit(staff, "t_flaky", {})
    done = wait_for(job.id, lambda j: j.is_final)
    assert (done.status, done.attempts) == ("completed", 2)
    assert done.error_code == "E7000"  # the last error is kept for the timeline
    assert ("attempt_failed", 1, "E7000") in events(job.id)


def test_retries_exhausted_then_failed(worker, staff, test_types, caplog):
    """After max attempts the job fails with its code, message, details and traceback."""
    test_types["fail_times"] = 99
    caplog.set_level(logging.ERROR, logger="tamam.jobs")
    job = service.submit(staff, "t_flaky", {})
    done = wait_for(job.id, lambda j: j.is_final)
    assert (done.status, done.attempts, done.error_code) == ("failed", 3, "E7000")
    assert "boom on attempt 3" in done.error_details
    assert "RuntimeError" in done.traceback and done.failed_at is not None
    assert any(job.id in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_permanent_error_fails_at_once(worker, staff, test_types):
    """A JobError with retry=False fails on the first attempt with its own code."""
    job = service.submit(staff, "t_no_data", {})
    done = wait_for(job.id, lambda j: j.is_final)
    assert (done.status, done.attempts, done.error_code) == ("failed", 1, "E7006")
    assert done.error_message == "Not enough data"


def test_timeout_fails_with_the_timeout_code(worker, staff, test_types):
    """An attempt past its time limit fails with E7002 and is retried like any error."""
    job = service.submit(staff, "t_timeout", {})
    done = wait_for(job.id, lambda j: j.is_final, timeout=20)
    assert (done.status, done.error_code, done.attempts) == ("failed", "E7002", 2)
    assert [e for e in events(job.id) if e[0] == "attempt_failed"] == [
        ("attempt_failed", 1, "E7002")
    ]


def test_cancel_while_processing(worker, staff, test_types):
    """A running job stops at its next progress call, ends cancelled, and its files go."""
    job = service.submit(staff, "t_blocking", {})
    assert helpers.STARTED.wait(10)
    wait_for(job.id, lambda j: j.status == "processing")
    (job_dir(job.id) / "partial.tmp").write_text("half")
    assert service.cancel_job(job) == "requested"
    done = wait_for(job.id, lambda j: j.is_final)
    assert done.status == "cancelled" and done.cancelled_at is not None
    assert not job_dir(job.id).exists()


def test_cancel_while_pending_never_runs(worker, staff):
    """A delayed job cancelled before its time never starts, even when its message arrives."""
    job = service.submit(staff, "ping", {}, delay=timedelta(seconds=1))
    service.cancel_job(job)
    # Deliver a duplicate right away too: both messages must be no-ops.
    dispatch.send(job.id, "ping", job.message_id)
    worker.join()
    db.session.rollback()
    job = db.session.get(Job, job.id, populate_existing=True)
    assert job.status == "cancelled" and job.attempts == 0 and job.started_at is None


def test_duplicate_delivery_runs_once(worker, staff):
    """The same message delivered twice runs the job once."""
    job = service.submit(staff, "ping", {})
    dispatch.send(job.id, "ping", job.message_id)
    wait_for(job.id, lambda j: j.is_final)
    worker.join()
    started = db.session.scalar(
        select(func.count()).where(JobEvent.job_id == job.id, JobEvent.kind == "started")
    )
    assert started == 1


def test_delayed_job_runs_after_its_time(worker, staff):
    """delay= holds the job until available_at, then it runs."""
    job = service.submit(staff, "ping", {}, delay=timedelta(seconds=1.5))
    done = wait_for(job.id, lambda j: j.is_final)
    assert done.status == "completed"
    assert done.started_at >= done.available_at - timedelta(seconds=1)
