"""A stale attempt can never delete or overwrite the result another attempt completed with."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from tests.jobs import helpers
from webapp.engine import recovery, runner, service
from webapp.engine.links import signed_download_url
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


def fresh(job_id: str) -> Job:
    """The row as the database has it now."""
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


@pytest.mark.parametrize("late", ["fail", "finish"])
def test_stale_attempt_leaves_the_completed_result_alone(
    app, stub_broker, staff, staff_client, test_types, late
):
    """Attempt 1 stalls past its lease; attempt 2 completes; attempt 1 then fails or finishes."""
    helpers.SCRIPT["late"] = late
    job = service.submit(staff, "t_files", {})

    def first_attempt() -> None:
        with app.app_context():
            try:
                runner.run_job(job.id)
            except RuntimeError:
                pass  # its failure reaches Dramatiq in production; the row is what matters
            finally:
                db.session.remove()

    stalled = threading.Thread(target=first_attempt)
    stalled.start()
    assert helpers.STARTED.wait(10)
    with db.engine.begin() as conn:  # the stall outlives the lease (a GC pause, a paused VM)
        conn.execute(
            update(Job).where(Job.id == job.id).values(lease_expires_at=utcnow().replace(year=2000))
        )
    assert recovery.recover().requeued == [job.id]
    runner.run_job(job.id)  # attempt 2, on another worker
    assert fresh(job.id).status == "completed"

    helpers.RELEASE.set()  # attempt 1 wakes up and fails or finishes late
    stalled.join(10)
    done = fresh(job.id)
    assert (done.status, done.attempts) == ("completed", 2)
    response = staff_client.get(signed_download_url(done))
    body = response.get_data(as_text=True)
    response.close()
    assert (response.status_code, body) == (200, "written by attempt 2")
