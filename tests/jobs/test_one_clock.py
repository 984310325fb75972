"""One clock: hosts whose clocks are off cannot re-run, stall or drop a job."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from tests.jobs.helpers import wait_for
from webapp.engine import dispatch, recovery, runner, service, transitions
from webapp.extensions import db
from webapp.models import types
from webapp.models.job import Job


@pytest.fixture
def host_clock(monkeypatch) -> Callable[[float], None]:
    """Set this host's clock `seconds` off: every webapp module's utcnow() is moved."""

    def skew(seconds: float) -> None:
        real = types.utcnow

        def skewed() -> datetime:
            return real() + timedelta(seconds=seconds)

        for name, module in list(sys.modules.items()):
            if name.startswith(("webapp", "tasks")) and getattr(module, "utcnow", None) is real:
                monkeypatch.setattr(module, "utcnow", skewed)

    return skew


def fresh(job_id: str) -> Job:
    """The row as the database has it now."""
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def test_worker_two_seconds_behind_still_claims_an_immediate_job(stub_broker, staff, host_clock):
    """The worker's clock lags the web host's: the job runs at once all the same."""
    job = service.submit(staff, "ping", {})
    host_clock(-2)
    runner.run_job(job.id)
    assert fresh(job.id).status == "completed"


def test_recovery_on_a_host_ahead_does_not_take_a_live_job(stub_broker, staff, host_clock):
    """A scheduler host 60 s ahead must not judge a fresh lease expired and run the job twice."""
    job = service.submit(staff, "ping", {})
    assert transitions.claim(job.id, "elsewhere:1:abc:1") is not None
    host_clock(60)
    report = recovery.recover()
    assert report.requeued == [] and fresh(job.id).status == "processing"


def submit_delivered_early(staff, monkeypatch, delay: timedelta) -> Job:  # type: ignore[no-untyped-def]
    """A delayed job whose one message a worker with a fast clock hands out at once."""
    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "send", lambda *args, **kwargs: None)
        job = service.submit(staff, "ping", {}, delay=delay)
    dispatch.send(job.id, "ping", job.message_id)  # the same message, delivered now
    return job


def test_a_message_that_arrives_early_is_delayed_again_not_dropped(worker, staff, monkeypatch):
    """A worker whose clock runs ahead takes a delayed message early: it goes back to wait."""
    job = submit_delivered_early(staff, monkeypatch, timedelta(hours=1))
    delivered = job.message_id
    waiting = wait_for(job.id, lambda j: j.message_id != delivered)  # handled: sent again
    assert waiting.status == "pending" and waiting.attempts == 0
    assert dispatch.message_present("default", waiting.message_id)  # one live message, delayed
    assert worker.broker.client.hexists("dramatiq:default.DQ.msgs", waiting.message_id)


def test_an_early_delayed_job_runs_when_its_time_comes(worker, staff, monkeypatch):
    """Re-delayed by the database's clock, the job then completes on time."""
    job = submit_delivered_early(staff, monkeypatch, timedelta(seconds=3))
    assert wait_for(job.id, lambda j: j.is_final).status == "completed"
