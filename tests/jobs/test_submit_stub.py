"""Submitting and running jobs against Dramatiq's StubBroker (seed 000's Queue::fake)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.engine import service, transitions
from webapp.engine.errors import JobStateError, ParamError, UnknownJobType
from webapp.engine.runner import run_job
from webapp.extensions import db
from webapp.models.job import Job, JobEvent


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Job)) or 0


def test_submit_enqueues_one_message_with_the_job_id(stub_broker, staff):
    """Submitting commits a pending row and enqueues exactly one message for the ping actor."""
    job = service.submit(staff, "ping", {})
    messages = list(stub_broker.queues["default"].queue)
    assert len(messages) == 1
    message = stub_broker.queues["default"].queue[0]
    from dramatiq import Message

    decoded = Message.decode(message)
    assert decoded.actor_name == "job_ping"
    assert decoded.args == (job.id,)
    assert decoded.message_id == job.message_id
    stored = db.session.get(Job, job.id)
    assert stored.status == "pending" and stored.user_id == staff.id
    assert job.id.startswith("job-") and len(job.id) >= 4 + 8 + 1 + 22


def test_bad_params_are_refused_before_anything_is_stored(stub_broker, staff):
    """A bad parameter names its field; no row and no message are created."""
    with pytest.raises(ParamError) as caught:
        service.submit(staff, "ping", {"duration": "soon"})
    assert caught.value.field == "duration"
    assert job_count() == 0
    assert stub_broker.queues["default"].qsize() == 0


def test_unknown_type_is_refused(stub_broker, staff):
    """An unknown job type says which types exist."""
    with pytest.raises(UnknownJobType, match="ping"):
        service.submit(staff, "nope", {})


def test_delayed_job_waits_on_the_delay_queue(stub_broker, staff):
    """delay= puts the message on the delay queue and the row's available_at in the future."""
    job = service.submit(staff, "ping", {}, delay=timedelta(minutes=5))
    assert stub_broker.queues["default"].qsize() == 0
    assert stub_broker.queues["default.DQ"].qsize() == 1
    assert job.available_at > job.created_at + timedelta(minutes=4)


def test_running_a_job_directly_completes_it(stub_broker, staff):
    """The actor's work is a plain function: run_job claims, progresses and completes."""
    job = service.submit(staff, "ping", {"steps": 4})
    run_job(job.id)
    db.session.refresh(job)
    assert (job.status, job.progress, job.attempts) == ("completed", 100, 1)
    assert job.result_data == {"pong": True, "attempt": 1}
    kinds = [e.kind for e in job.events]
    assert kinds == ["created", "started", "completed"]


def test_duplicate_delivery_does_nothing(stub_broker, staff):
    """A second delivery of the same message finds the job final and leaves it alone."""
    job = service.submit(staff, "ping", {})
    run_job(job.id)
    run_job(job.id)
    db.session.refresh(job)
    assert job.attempts == 1
    started = db.session.scalar(
        select(func.count()).where(JobEvent.job_id == job.id, JobEvent.kind == "started")
    )
    assert started == 1


def test_claim_is_exclusive(stub_broker, staff):
    """Two workers claiming the same pending job: exactly one wins."""
    job = service.submit(staff, "ping", {})
    first = transitions.claim(job.id, "host:1:1")
    second = transitions.claim(job.id, "host:2:1")
    assert first is not None and second is None


def test_cancel_pending_job_is_immediate_and_final(stub_broker, staff):
    """A cancelled pending job never runs, and cannot be cancelled or retried again."""
    job = service.submit(staff, "ping", {})
    assert service.cancel_job(job) == "cancelled"
    run_job(job.id)
    db.session.refresh(job)
    assert job.status == "cancelled" and job.attempts == 0 and job.cancelled_at is not None
    with pytest.raises(JobStateError):
        service.cancel_job(job)
    with pytest.raises(JobStateError):
        service.retry_job(job)


def test_delay_out_of_range_is_refused(stub_broker, staff):
    """A negative delay is refused with a message."""
    with pytest.raises(ValueError, match="delay"):
        service.submit(staff, "ping", {}, delay=timedelta(seconds=-1))
    assert job_count() == 0
