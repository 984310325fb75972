"""Leases are renewed for the attempts running now, and only for them."""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta

import dramatiq
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tasks.middleware.heartbeat import beat
from tests.jobs import helpers
from webapp.engine import attempts, runner, service, transitions
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow

PAST = utcnow() - timedelta(days=1)


def fresh(job_id: str) -> Job:
    """The row as the database has it now."""
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def this_process() -> dict:
    """What this process's heartbeat row says about it."""
    key = attempts.process_key()
    return {"id": key, "host": socket.gethostname(), "pid": os.getpid(), "queues": "", "threads": 1}


def lease_of(job_id: str):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.scalar(select(Job.lease_expires_at).where(Job.id == job_id))


def test_a_claim_that_ends_without_an_outcome_is_handed_back(stub_broker, staff, monkeypatch):
    """A database blip in complete(): the job goes back to pending, not processing forever."""
    job = service.submit(staff, "ping", {})

    def blip(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE jobs", {}, Exception("server closed the connection"))

    monkeypatch.setattr(transitions, "complete", blip)
    with pytest.raises(OperationalError):
        runner.run_job(job.id)
    handed_back = fresh(job.id)
    assert (handed_back.status, handed_back.attempts) == ("pending", 1)
    assert handed_back.worker_id is None and handed_back.lease_expires_at is None
    beat(this_process())  # nothing of it is renewed any more
    assert lease_of(job.id) is None

    monkeypatch.undo()
    worker = dramatiq.Worker(stub_broker, worker_timeout=100)
    worker.start()
    try:
        stub_broker.join("default")  # the message the hand-back sent runs it again
        worker.join()
    finally:
        worker.stop()
    assert fresh(job.id).status == "completed"


def test_a_dead_process_with_the_same_host_and_pid_is_not_adopted(stub_broker, staff):
    """A restarted container reuses host and pid: its predecessor's leases still run out."""
    job = service.submit(staff, "ping", {})
    old_token = f"{socket.gethostname()}:{os.getpid()}:1234"  # host:pid:thread of the dead one
    assert transitions.claim(job.id, old_token) is not None
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(lease_expires_at=PAST))
    beat(this_process())
    assert lease_of(job.id) == PAST


def test_heartbeat_renews_a_running_attempt_and_stops_when_it_ends(
    app, stub_broker, staff, test_types
):
    """While the attempt runs its lease moves on at each beat; once it ends, no more."""
    job = service.submit(staff, "t_blocking", {})

    def run() -> None:
        with app.app_context():
            runner.run_job(job.id)
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    assert helpers.STARTED.wait(10)
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(lease_expires_at=PAST))
    beat(this_process())
    assert lease_of(job.id) > utcnow()
    helpers.RELEASE.set()
    thread.join(10)
    assert fresh(job.id).status == "completed"
    assert attempts.renewable() == []
