"""A paused queue keeps its jobs pending on a real worker; resume runs them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.jobs.helpers import wait_for, wait_until
from webapp.engine import dispatch, pauses, recovery, service
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


def test_pause_holds_jobs_and_resume_runs_them(app, redis_broker, worker, admin):
    assert pauses.pause("default", admin) is True
    assert pauses.pause("default", admin) is False  # already paused
    job = service.submit(admin, "ping", {})
    wait_until(lambda: not dispatch.message_present("default", job.message_id))  # delivered
    held = wait_for(job.id, lambda j: j.status == "pending")
    assert held.attempts == 0 and held.started_at is None

    with db.engine.begin() as conn:  # long enough ago for recovery to call it lost
        conn.execute(update(Job).values(updated_at=utcnow() - timedelta(minutes=1)))
    assert job.id not in recovery.recover().resent  # a paused queue's jobs are not re-sent
    assert pauses.paused_queues()["default"].paused_by == admin.email

    assert pauses.resume("default", admin) == 1  # one waiting job sent at once
    assert pauses.resume("default", admin) is None  # not paused any more
    done = wait_for(job.id, lambda j: j.status == "completed")
    assert done.attempts == 1


def test_other_queues_run_while_one_is_paused(app, redis_broker, worker, admin):
    pauses.pause("reports", admin)
    job = service.submit(admin, "ping", {})  # default queue
    wait_for(job.id, lambda j: j.status == "completed")
    assert pauses.is_paused("reports") and not pauses.is_paused("default")


def test_the_owner_sees_that_the_queue_is_paused(app, redis_broker, admin, staff, staff_client):
    """A waiting job's page says an admin paused its queue, and the poll redraws on resume."""
    job = service.submit(staff, "ping", {})
    hx = {"HX-Request": "true"}
    before = staff_client.get(f"/jobs/{job.id}/live", headers=hx)
    assert "paused" not in before.get_data(as_text=True)
    pauses.pause("default", admin)
    paused = staff_client.get(
        f"/jobs/{job.id}/live", headers={**hx, "X-Job-Version": before.headers["X-Job-Version"]}
    )
    assert paused.status_code == 200  # not 204: the pause changed what the part says
    assert "an admin has paused the default queue" in paused.get_data(as_text=True)
    pauses.resume("default", admin)
    resumed = staff_client.get(f"/jobs/{job.id}/live", headers=hx).get_data(as_text=True)
    assert "paused" not in resumed


def test_staff_are_not_offered_the_admins_job_types(app, staff_client, admin):
    """My jobs' type filter lists what staff can ask for; the bulk admin work is not in it."""
    page = staff_client.get("/jobs").get_data(as_text=True)
    assert "Sales report" in page and "Bulk retry or discard" not in page
