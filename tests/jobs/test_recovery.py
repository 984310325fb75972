"""Nothing lost: the rows and messages a crash leaves behind are found and finished."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.jobs.helpers import wait_for
from webapp.engine import dispatch, recovery, service, transitions
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


@pytest.fixture
def no_grace(monkeypatch):
    """Recovery considers rows at once instead of after its grace period."""
    monkeypatch.setattr(recovery, "LOST_GRACE", timedelta(0))


def age(job_id: str, seconds: float) -> None:
    """Make a row look `seconds` older than it is (as if time had passed)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(updated_at=utcnow() - timedelta(seconds=seconds))
        )


def test_web_killed_after_commit_before_send(redis_broker, staff, monkeypatch, no_grace):
    """A committed row whose message was never sent is re-sent by recovery and runs."""
    monkeypatch.setattr(dispatch, "send", lambda *a, **k: None)  # the process "dies" here
    job = service.submit(staff, "ping", {})
    monkeypatch.undo()
    monkeypatch.setattr(recovery, "LOST_GRACE", timedelta(0))
    age(job.id, 5)
    report = recovery.recover()
    assert report.resent == [job.id]
    assert dispatch.message_present(
        "default", db.session.get(Job, job.id, populate_existing=True).message_id
    )
    again = recovery.recover()
    assert again.resent == []  # the message is there now: nothing sent twice


def test_recovered_job_runs_on_a_worker(worker, staff, monkeypatch, no_grace):
    """After recovery re-sends it, a real worker completes the job."""
    monkeypatch.setattr(dispatch, "send", lambda *a, **k: None)
    job = service.submit(staff, "ping", {})
    monkeypatch.undo()
    monkeypatch.setattr(recovery, "LOST_GRACE", timedelta(0))
    age(job.id, 5)
    recovery.recover()
    assert wait_for(job.id, lambda j: j.is_final).status == "completed"


def test_redis_restarted_without_persistence(redis_broker, staff, no_grace):
    """Messages wiped from Redis (pending and delayed alike) are re-sent from the rows."""
    now_job = service.submit(staff, "ping", {})
    later_job = service.submit(staff, "ping", {}, delay=timedelta(minutes=1))
    redis_broker.client.flushdb()  # what a restart without persistence leaves
    age(now_job.id, 5)
    age(later_job.id, 5)
    report = recovery.recover()
    assert set(report.resent) == {now_job.id, later_job.id}
    later = db.session.get(Job, later_job.id, populate_existing=True)
    assert dispatch.message_present("default", later.message_id)
    assert redis_broker.client.hlen("dramatiq:default.DQ.msgs") == 1  # still delayed


def test_worker_killed_half_way_is_returned_and_finished(worker, staff):
    """A processing job whose worker stopped renewing its lease goes back and completes."""
    job = service.submit(staff, "ping", {}, delay=timedelta(hours=1))
    # Due a second ago: SQLite's clock reads to the millisecond, so "now" from Python, with its
    # microseconds, can still lie ahead of the database's "now" when the claim runs within it.
    with db.engine.begin() as conn:  # as a killed worker leaves it: claimed, lease running out
        due = utcnow() - timedelta(seconds=1)
        conn.execute(update(Job).where(Job.id == job.id).values(available_at=due))
    assert transitions.claim(job.id, "deadhost:999:1") is not None
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1), progress=40)
        )
    report = recovery.recover()
    assert report.requeued == [job.id]
    done = wait_for(job.id, lambda j: j.is_final)
    assert (done.status, done.attempts) == ("completed", 2)


def test_crash_loops_end_failed_not_forever(redis_broker, staff):
    """When crashes use up every attempt, the job fails with E7003 instead of looping."""
    job = service.submit(staff, "ping", {})
    for n in range(3):
        assert transitions.claim(job.id, f"deadhost:{n}:1") is not None
        with db.engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(lease_expires_at=utcnow() - timedelta(seconds=1))
            )
        recovery.recover()
    failed = db.session.get(Job, job.id, populate_existing=True)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "E7003", 3)


def test_live_lease_is_left_alone(redis_broker, staff):
    """A processing job whose lease is fresh is not touched by recovery."""
    job = service.submit(staff, "ping", {})
    transitions.claim(job.id, "livehost:1:1")
    report = recovery.recover()
    assert report.total == 0
    assert db.session.get(Job, job.id, populate_existing=True).status == "processing"


def test_cancel_requested_on_a_dead_worker_ends_cancelled(redis_broker, staff):
    """A job whose owner cancelled it while its worker died ends cancelled, not re-run."""
    job = service.submit(staff, "ping", {})
    transitions.claim(job.id, "deadhost:1:1")
    service.cancel_job(job)
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert recovery.recover().cancelled == [job.id]
    assert db.session.get(Job, job.id, populate_existing=True).status == "cancelled"


def test_submit_while_redis_is_down_keeps_the_job(app, staff, no_grace):
    """With Redis unreachable, submit still saves the job; recovery sends it once Redis is back."""
    import dramatiq

    from tasks.broker import build_broker, install

    previous = dramatiq.broker.global_broker
    install(build_broker("redis://127.0.0.1:9/0", app))  # nothing listens on port 9
    try:
        job = service.submit(staff, "ping", {})
    finally:
        install(previous)
    assert db.session.get(Job, job.id, populate_existing=True).status == "pending"


def test_job_saved_while_redis_was_down_is_sent_later(redis_broker, staff, monkeypatch, no_grace):
    """The job saved during the outage is found and sent by the next recovery pass."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(dispatch, "send", refuse)
    job = service.submit(staff, "ping", {})
    monkeypatch.undo()
    monkeypatch.setattr(recovery, "LOST_GRACE", timedelta(0))
    age(job.id, 5)
    assert recovery.recover().resent == [job.id]
