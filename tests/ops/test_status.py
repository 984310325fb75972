"""The machinery's figures, on a real Redis with known content, and the commands that print them."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from tests.jobs.helpers import add_heartbeat
from webapp.engine import dispatch, service, transitions
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow
from webapp.monitoring.status import ops_status


def run(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["ops", *args])


def test_figures_from_redis_and_the_database(app, redis_broker, staff):
    """Three waiting pings (one an old one), one running, one delayed, one dead letter."""
    add_heartbeat("h:1:a", "default,reports", 4)
    add_heartbeat("h:2:b", "default", 2, silent_for=600)  # stale: not counted as live
    jobs = [service.submit(staff, "ping", {}) for _ in range(4)]
    service.submit(staff, "ping", {}, delay=timedelta(minutes=5))
    assert transitions.claim(jobs[3].id, "h:1:a:1") is not None
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == jobs[0].id)
            .values(
                created_at=utcnow() - timedelta(minutes=2),
                available_at=utcnow() - timedelta(minutes=2),
            )
        )
    redis_broker.client.zadd("dramatiq:default.XQ", {"dead-one": 1})
    status = ops_status()
    default = next(q for q in status.queues if q.queue == "default")
    assert (default.ready, default.delayed, default.dead) == (4, 1, 1)
    assert (default.pending, default.processing) == (4, 1)
    assert 115 <= default.oldest_pending_seconds <= 130
    assert (default.workers, default.threads) == (1, 4)
    assert (status.live_workers, status.stale_workers) == (1, 1)
    assert status.healthy


def test_problems_are_named(app, redis_broker, staff):
    """Work with no live worker, an old wait and a backlog over the threshold are each said."""
    job = service.submit(staff, "ping", {})
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                created_at=utcnow() - timedelta(hours=1),
                available_at=utcnow() - timedelta(hours=1),
            )
        )
    for _ in range(3):
        redis_broker.enqueue(dispatch.build_message("x", "ping", transitions.new_message_id()))
    app.config["ALERT_BACKLOG_THRESHOLD"] = 2
    try:
        status = ops_status()
    finally:
        app.config["ALERT_BACKLOG_THRESHOLD"] = 1000
    problems = next(q for q in status.queues if q.queue == "default").problems
    assert problems == [
        "4 messages waiting, over 2",
        f"the oldest job has waited {problems[1].split()[-2]} s",
        "work is waiting and no live worker serves this queue",
    ]
    assert 3590 <= float(problems[1].split()[-2]) <= 3700
    assert not status.healthy


def test_status_command_prints_and_exits_by_health(app, redis_broker, staff):
    """`flask ops status` exits 0 when healthy, 1 with the problem in words; --json parses."""
    healthy = run(app, "status")
    assert healthy.exit_code == 0 and "Healthy." in healthy.output
    service.submit(staff, "ping", {})
    sick = run(app, "status")
    assert sick.exit_code == 1
    assert "UNHEALTHY default: work is waiting and no live worker" in sick.output
    body = json.loads(run(app, "status", "--json").output)
    assert body["healthy"] is False and body["queues"][0]["queue"] == "default"


def test_worker_health_command(app, redis_broker):
    """Exit 1 with no fresh heartbeat, 0 with one; --queue counts only workers serving it."""
    assert run(app, "worker-health").exit_code == 1
    add_heartbeat("h:1:a", "reports", 2)
    assert run(app, "worker-health").exit_code == 0
    assert run(app, "worker-health", "--queue", "reports").exit_code == 0
    assert run(app, "worker-health", "--queue", "exports").exit_code == 1


def test_a_queue_has_its_own_backlog_threshold(app, redis_broker, staff, monkeypatch):
    """ALERT_BACKLOG_THRESHOLDS overrides the default for the queues it names."""
    monkeypatch.setitem(app.config, "ALERT_BACKLOG_THRESHOLDS", "default=1, exports=50")
    for _ in range(2):
        redis_broker.enqueue(dispatch.build_message("x", "ping", transitions.new_message_id()))
    default = next(q for q in ops_status().queues if q.queue == "default")
    assert default.problems[0] == "2 messages waiting, over 1"


def test_pause_resume_and_check_alerts_commands(app, redis_broker, staff):
    """From a terminal: pause, pause again, resume (sends the waiting job), check alerts."""
    assert "Queue default paused" in run(app, "pause", "default").output
    assert "already paused" in run(app, "pause", "default").output
    job = service.submit(staff, "ping", {})
    redis_broker.flush("default")  # as if a worker had taken and dropped it while paused
    resumed = run(app, "resume", "default")
    assert "Queue default resumed; 1 waiting job(s) sent now" in resumed.output
    db.session.rollback()
    assert dispatch.message_present("default", db.session.get(Job, job.id).message_id)
    assert "was not paused" in run(app, "resume", "default").output
    assert run(app, "pause", "nope").exit_code == 2  # not a queue: click says which are
    checked = run(app, "check-alerts")
    assert "no_worker:default: default has 1 waiting" in checked.output
    assert "Opened 1, reminded 0, resolved 0" in checked.output
    from webapp.monitoring.audit import recent

    assert [(e.action, e.target_id, e.actor_email) for e in recent()] == [
        ("resume", "default", "system"),
        ("pause", "default", "system"),
    ]


def test_the_oldest_wait_counts_from_when_a_job_was_due(app, redis_broker, staff, admin):
    """A week-old job retried a minute ago has waited a minute; a paused queue is not a problem."""
    job = service.submit(staff, "ping", {})
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                created_at=utcnow() - timedelta(days=7),
                available_at=utcnow() - timedelta(seconds=60),
            )
        )
    default = next(q for q in ops_status().queues if q.queue == "default")
    assert 55 <= default.oldest_pending_seconds <= 75
    assert default.problems == ["work is waiting and no live worker serves this queue"]
    from webapp.engine import pauses

    pauses.pause("default", admin)
    default = next(q for q in ops_status().queues if q.queue == "default")
    assert default.paused and default.problems == []
