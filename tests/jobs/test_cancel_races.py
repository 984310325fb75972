"""Cancel wins: a job whose owner asked to cancel ends cancelled, whatever its attempt did."""

from __future__ import annotations

from sqlalchemy import update

from webapp.engine import recovery, runner, service
from webapp.extensions import db
from webapp.models.job import Job


def fresh(job_id: str) -> Job:
    """The row as the database has it now."""
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def test_cancel_between_last_progress_and_a_failure_that_would_retry(
    stub_broker, staff, test_types
):
    """The attempt fails after the owner's cancel: the job ends cancelled, not pending forever."""
    job = service.submit(staff, "t_cancel_fail", {})
    runner.run_job(job.id)
    done = fresh(job.id)
    assert (done.status, done.attempts) == ("cancelled", 1)
    assert done.cancelled_at is not None
    assert recovery.recover().resent == []  # nothing left for recovery to send again


def test_cancel_before_the_last_attempt_fails(stub_broker, staff, test_types):
    """On the final attempt too, the owner's cancel wins over 'failed'."""
    job = service.submit(staff, "t_cancel_fail_once", {})
    runner.run_job(job.id)
    assert fresh(job.id).status == "cancelled"


def test_admin_retry_clears_an_old_cancel_request(stub_broker, admin, staff):
    """A failed job that still carries a cancel request runs again when an admin retries it."""
    job = service.submit(staff, "ping", {})
    with db.engine.begin() as conn:  # what the old engine left: failed, cancel still requested
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(status="failed", cancel_requested=True, attempts=3, error_code="E7000")
        )
    service.retry_job(fresh(job.id))
    runner.run_job(job.id)
    assert fresh(job.id).status == "completed"


def test_recovery_finishes_a_cancel_stranded_in_pending(stub_broker, staff):
    """A pending row with a cancel request (left by the old engine) is cancelled, not re-sent."""
    job = service.submit(staff, "ping", {})
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
    report = recovery.recover()
    assert report.cancelled == [job.id] and report.resent == []
    assert fresh(job.id).status == "cancelled"
