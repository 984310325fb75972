"""A waiting job knows its place in line, and its ETA counts the work ahead of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.conftest import make_user
from tests.jobs.helpers import add_heartbeat
from webapp.engine import eta, runner, service, transitions
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


def typical_ping_takes_ten_seconds(staff) -> None:  # type: ignore[no-untyped-def]
    """Three finished pings of 10 s each: the type's history."""
    for _ in range(3):
        job = service.submit(staff, "ping", {})
        runner.run_job(job.id)
        start = utcnow() - timedelta(minutes=5)
        with db.engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(started_at=start, completed_at=start + timedelta(seconds=10))
            )


def test_places_in_line_follow_the_fair_order(stub_broker, staff):
    """Sara asks three times, then Omar once: Omar is second in line, not fourth."""
    omar = make_user("omar@example.com")
    s1, s2, s3 = (service.submit(staff, "ping", {}) for _ in range(3))
    o1 = service.submit(omar, "ping", {})
    assert [eta.queue_position(j) for j in (s1, o1, s2, s3)] == [1, 2, 3, 4]


def test_eta_counts_the_work_ahead_over_the_threads_serving_the_queue(stub_broker, staff):
    """Two threads, both busy: the 1st and 2nd in line finish in two rounds, 3rd and 4th in 3."""
    typical_ping_takes_ten_seconds(staff)
    add_heartbeat("host:1:aa", "default,reports", threads=2)
    for n in range(2):  # both threads busy
        busy = service.submit(staff, "ping", {})
        assert transitions.claim(busy.id, f"host:1:aa:{n}") is not None
    waiting = [service.submit(staff, "ping", {}) for _ in range(4)]
    eta.forget()
    now = utcnow()
    waits = [round((eta.estimate_completion(job, now) - now).total_seconds()) for job in waiting]
    assert waits == [20, 20, 30, 30]


def test_a_delayed_or_running_job_has_no_place_in_line(stub_broker, staff):
    """Only jobs waiting for a thread are in line."""
    later = service.submit(staff, "ping", {}, delay=timedelta(minutes=5))
    running = service.submit(staff, "ping", {})
    transitions.claim(running.id, "host:1:aa:1")
    db.session.refresh(running)
    assert eta.queue_position(later) is None and eta.queue_position(running) is None
