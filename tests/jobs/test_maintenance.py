"""Maintenance runs in the scheduler process, one scheduler at a time, whatever the backlog."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tasks.scheduler import LEASE_NAME, Maintenance, build_scheduler
from webapp.engine import dispatch, service, transitions
from webapp.extensions import db
from webapp.models.job import Job, SchedulerLease
from webapp.models.types import utcnow


def test_schedule_calls_the_maintenance_itself_not_worker_messages(app):
    """Recovery every 5 s, alerts, roll-up, outbox and purge: plain calls, nothing queued."""
    scheduler = build_scheduler(Maintenance(app, "scheduler-a"))
    jobs = {job.id: job.func.__name__ for job in scheduler.get_jobs()}
    assert jobs == {
        "recover": "recover",
        "monitor": "monitor",
        "purge": "purge",
        "rollup": "rollup",
        "outbox": "outbox",
    }
    assert scheduler.get_job("monitor").trigger.interval == timedelta(seconds=300)
    assert scheduler.get_job("recover").trigger.interval == timedelta(seconds=5)


def test_recovery_runs_while_the_queue_is_full(app, redis_broker, staff):
    """Two thousand messages wait on `default`; a lost job is re-sent on the very next tick."""
    for _ in range(2000):  # a backlog no worker is serving
        redis_broker.enqueue(dispatch.build_message("job-x", "ping", transitions.new_message_id()))
    lost = service.submit(staff, "ping", {})
    redis_broker.client.hdel("dramatiq:default.msgs", lost.message_id)  # Redis lost it
    with db.engine.begin() as conn:
        conn.execute(
            update(Job).where(Job.id == lost.id).values(updated_at=utcnow() - timedelta(minutes=1))
        )
    assert Maintenance(app, "scheduler-a").recover() is True
    db.session.rollback()
    resent = db.session.get(Job, lost.id, populate_existing=True)
    assert dispatch.message_present("default", resent.message_id)


def test_only_one_scheduler_runs_the_maintenance(app):
    """A second scheduler waits while the first holds the lease, and takes over when it lapses."""
    first, second = Maintenance(app, "scheduler-a"), Maintenance(app, "scheduler-b")
    ran: list[str] = []
    assert first.run("recover", lambda: ran.append("a"))
    assert not second.run("recover", lambda: ran.append("b"))
    assert first.run("recover", lambda: ran.append("a"))  # the holder renews
    with app.app_context(), db.engine.begin() as conn:  # the first one stops renewing
        conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert second.run("recover", lambda: ran.append("b"))
    assert not first.run("recover", lambda: ran.append("a"))
    assert ran == ["a", "a", "b"]


def test_a_clean_stop_hands_the_lease_over_at_once(app):
    """The stopping scheduler lets go, so the other need not wait out the lease."""
    first, second = Maintenance(app, "scheduler-a"), Maintenance(app, "scheduler-b")
    assert first.run("recover", lambda: None)
    first.stop()
    assert second.run("recover", lambda: None)
