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
from webapp.ops.status import ops_status


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
            .values(created_at=utcnow() - timedelta(minutes=2))
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
            update(Job).where(Job.id == job.id).values(created_at=utcnow() - timedelta(hours=1))
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
