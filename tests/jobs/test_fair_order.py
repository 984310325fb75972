"""Fair order: no request overtakes an earlier one of its user; a burst does not starve others."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.conftest import make_user
from webapp.engine import dispatch, fair, recovery, runner, service
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow


def fresh(job_id: str) -> Job:
    """The row as the database has it now."""
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def test_a_later_message_runs_the_earliest_request(redis_broker, staff):
    """Prefetch hands out the third message first: the first request runs, the third waits."""
    first, second, third = (service.submit(staff, "ping", {}) for _ in range(3))
    runner.run_job(third.id, "ping")  # what the actor does with the third message
    assert [fresh(j.id).status for j in (first, second, third)] == [
        "completed", "pending", "pending"
    ]  # fmt: skip
    waiting = fresh(third.id)
    assert dispatch.message_present("default", waiting.message_id)  # it has a message again
    with db.engine.begin() as conn:  # as if time passed: recovery may look at every row
        conn.execute(update(Job).values(updated_at=utcnow() - timedelta(minutes=1)))
    assert recovery.recover().resent == []  # every pending job holds a live message


def test_a_burst_does_not_starve_another_user(stub_broker, staff):
    """Sara asks for four jobs, then Omar for one: Omar's runs second, not fifth."""
    omar = make_user("omar@example.com")
    sara_jobs = [service.submit(staff, "ping", {}) for _ in range(4)]
    omar_job = service.submit(omar, "ping", {})
    claimed = [
        fair.claim_fair(job.id, "ping", "default", f"worker:1:x:{n}").row["id"]
        for n, job in enumerate(sara_jobs[:3])  # three threads free up while her first runs
    ]
    assert claimed == [sara_jobs[0].id, omar_job.id, sara_jobs[1].id]


def test_a_spare_message_claims_nothing_twice(stub_broker, staff):
    """A message for a job that already ran finds the next due job, or nothing, and no loop."""
    job = service.submit(staff, "ping", {})
    runner.run_job(job.id, "ping")
    queued = len(stub_broker.queues["default"].queue)
    runner.run_job(job.id, "ping")  # its message delivered again
    assert fresh(job.id).attempts == 1
    assert len(stub_broker.queues["default"].queue) == queued  # nothing new was sent


def test_messages_pass_from_job_to_job_and_none_is_lost(redis_broker, staff):
    """Three messages arrive last first: each runs the oldest job, and whichever job held the
    spent message takes over the claimed job's, so no job is left without a live message."""
    jobs = [service.submit(staff, "ping", {}) for _ in range(3)]
    tickets = [fresh(job.id).message_id for job in jobs]
    order = []
    for job, ticket in zip(reversed(jobs), reversed(tickets), strict=True):
        redis_broker.client.hdel("dramatiq:default.msgs", ticket)  # delivered: spent
        delivery = fair.claim_fair(job.id, "ping", "default", "worker:1:x:1", ticket)
        order.append(delivery.row["id"])
        assert delivery.resend is None  # nothing new is sent: the messages are passed on
        pending = [fresh(j.id) for j in jobs if fresh(j.id).status == "pending"]
        assert all(dispatch.message_present("default", p.message_id) for p in pending)
    assert order == [job.id for job in jobs]  # oldest first, whatever the delivery order
