"""A dead worker is found from its silent heartbeat; its jobs go back before their leases end."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.jobs.helpers import add_heartbeat
from webapp.engine import recovery, service, transitions
from webapp.extensions import db
from webapp.models.job import Job, WorkerHeartbeat
from webapp.models.types import utcnow


def heartbeat(key: str, silent_for: float) -> None:
    """A worker process's row, last seen `silent_for` seconds ago."""
    add_heartbeat(key, silent_for=silent_for)


def claimed_by(staff, key: str) -> Job:  # type: ignore[no-untyped-def]
    """A ping job claimed by thread 1 of worker `key`, its lease still good for 30 s."""
    job = service.submit(staff, "ping", {})
    assert transitions.claim(job.id, f"{key}:1") is not None
    return job


def status_of(job_id: str) -> tuple[str, int]:
    db.session.rollback()
    job = db.session.get(Job, job_id, populate_existing=True)
    return job.status, job.attempts


def test_silent_worker_jobs_are_released_before_their_lease_ends(stub_broker, app, staff):
    """Three heartbeats missed: the job is pending again though its lease has 30 s to go."""
    interval = app.config["WORKER_HEARTBEAT_SECONDS"]
    heartbeat("host-1:4242:aa11", silent_for=3 * interval + 1)
    job = claimed_by(staff, "host-1:4242:aa11")
    report = recovery.recover()
    assert report.requeued == [job.id] and report.dead_workers == ["host-1:4242:aa11"]
    assert status_of(job.id) == ("pending", 1)
    events = db.session.get(Job, job.id).events
    assert events[-1].kind == "attempt_failed" and events[-1].error_code == "E7003"


def test_a_live_worker_keeps_its_jobs(stub_broker, app, staff):
    """A worker that beat two intervals ago is alive: its job is left alone."""
    heartbeat("host-1:4242:bb22", silent_for=2 * app.config["WORKER_HEARTBEAT_SECONDS"])
    job = claimed_by(staff, "host-1:4242:bb22")
    assert recovery.recover().requeued == []
    assert status_of(job.id) == ("processing", 1)


def test_a_similar_worker_key_is_not_confused(stub_broker, app, staff):
    """Worker host-1:42 is dead; the job of host-1:4242 (alive) stays where it is."""
    interval = app.config["WORKER_HEARTBEAT_SECONDS"]
    heartbeat("host-1:42:c_c", silent_for=10 * interval)
    heartbeat("host-1:4242:c_c", silent_for=0)
    job = claimed_by(staff, "host-1:4242:c_c")
    assert recovery.recover().requeued == []
    assert status_of(job.id) == ("processing", 1)


def test_dead_workers_are_forgotten_after_an_hour(stub_broker, app, staff):
    """A row silent for over an hour, holding no job, goes; a fresher one stays (ops page)."""
    heartbeat("host-1:1:old", silent_for=3700)
    heartbeat("host-1:2:recent", silent_for=600)
    recovery.recover()
    db.session.rollback()
    assert [row.id for row in db.session.query(WorkerHeartbeat)] == ["host-1:2:recent"]


def test_lease_expiry_still_releases_a_job_with_no_heartbeat_row(stub_broker, staff):
    """A worker that never wrote a heartbeat: the lease, judged by the database, is the fallback."""
    job = claimed_by(staff, "ghost:1:zz")
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert recovery.recover().requeued == [job.id]
