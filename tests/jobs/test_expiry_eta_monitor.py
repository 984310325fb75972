"""Purge of expired results, ETA estimates and the backlog monitor."""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta

from sqlalchemy import update

from webapp.engine import eta, monitor, recovery, service
from webapp.engine.runner import run_job
from webapp.engine.storage import job_dir, uploads_dir
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.types import utcnow
from webapp.monitoring.alerts import check_alerts


def shift(job_id: str, **values) -> None:
    """Rewrite timestamps as if time had passed."""
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def test_purge_removes_expired_files_and_marks_the_job(stub_broker, staff):
    """A completed job past expires_at loses its files and is marked expired, not deleted."""
    job = service.submit(staff, "ping", {})
    run_job(job.id)
    folder = job_dir(job.id, create=True)
    (folder / "report.csv").write_text("a,b\n")
    shift(job.id, expires_at=utcnow() - timedelta(minutes=1))
    report = recovery.purge_expired()
    assert report.expired == [job.id] and report.deleted == 0
    assert not folder.exists()
    stored = db.session.get(Job, job.id, populate_existing=True)
    assert stored.purged_at is not None and stored.events[-1].kind == "expired"
    assert recovery.purge_expired().expired == []  # idempotent


def test_purge_keeps_unexpired_and_active_jobs(stub_broker, staff):
    """Jobs before their expiry, and pending jobs, are untouched."""
    done = service.submit(staff, "ping", {})
    run_job(done.id)
    waiting = service.submit(staff, "ping", {})
    shift(waiting.id, expires_at=utcnow() - timedelta(minutes=1))
    assert recovery.purge_expired().expired == []


def test_rows_past_retention_are_deleted(app, stub_broker, staff, monkeypatch):
    """Final jobs older than JOB_RETENTION_DAYS are deleted with their timeline."""
    monkeypatch.setitem(app.config, "JOB_RETENTION_DAYS", 30)
    old = service.submit(staff, "ping", {})
    run_job(old.id)
    shift(old.id, created_at=utcnow() - timedelta(days=31))
    young = service.submit(staff, "ping", {})
    run_job(young.id)
    old_id, young_id = old.id, young.id
    assert recovery.purge_expired().deleted == 1
    db.session.expunge_all()
    assert db.session.get(Job, old_id) is None and db.session.get(Job, young_id) is not None


def test_eta_from_recent_durations_and_backlog(stub_broker, staff):
    """A pending job's ETA is the typical duration times the jobs ahead of it."""
    for _ in range(3):
        job = service.submit(staff, "ping", {})
        run_job(job.id)
        start = utcnow() - timedelta(seconds=60)
        shift(job.id, started_at=start, completed_at=start + timedelta(seconds=10))
    assert eta.typical_seconds("ping") == 10
    first = service.submit(staff, "ping", {})
    second = service.submit(staff, "ping", {})
    now = utcnow()
    one = eta.estimate_completion(first, now)
    two = eta.estimate_completion(second, now)
    assert timedelta(seconds=9) < one - now < timedelta(seconds=11)
    assert two - one == timedelta(seconds=10)  # one job ahead, one worker thread assumed


def test_eta_of_running_job_follows_its_progress(stub_broker, staff):
    """A job 25 % done after 10 s should finish about 30 s later."""
    job = service.submit(staff, "ping", {})
    now = utcnow()
    shift(job.id, status="processing", progress=25, started_at=now - timedelta(seconds=10))
    db.session.refresh(job)
    assert eta.estimate_completion(job, now) == now + timedelta(seconds=30)


def test_eta_is_none_without_history_or_when_final(stub_broker, staff):
    """No history, no guess; a final job has no ETA."""
    job = service.submit(staff, "ping", {})
    assert eta.estimate_completion(job) is None
    run_job(job.id)
    db.session.refresh(job)
    assert eta.estimate_completion(job) is None


def test_backlog_counts_ready_delayed_and_dead(redis_broker, staff):
    """Backlog figures come from Redis per queue: ready, delayed."""
    service.submit(staff, "ping", {})
    service.submit(staff, "ping", {})
    service.submit(staff, "ping", {}, delay=timedelta(minutes=5))
    by_queue = {b.queue: b for b in monitor.backlog()}
    assert (by_queue["default"].ready, by_queue["default"].delayed) == (2, 1)
    assert by_queue["reports"].ready == 0


def test_backlog_alert_logs_a_warning(app, redis_broker, staff, monkeypatch, caplog):
    """Over the threshold, the monitor logs a warning naming the queue."""
    monkeypatch.setitem(app.config, "ALERT_BACKLOG_THRESHOLD", 1)
    service.submit(staff, "ping", {})
    service.submit(staff, "ping", {})
    with caplog.at_level(logging.WARNING, logger="tamam.monitor"):
        report = check_alerts()
    assert "backlog:default" in report.opened  # and no_worker: nothing serves it
    assert "Queue backlog detected: 2 messages waiting in default (threshold 1)" in caplog.text


def test_purge_removes_uploads_no_job_took(stub_broker, app):
    """A web process killed between checking an upload and making its job leaves the staged
    file behind: the purge removes it once it is an hour old, and leaves a fresh one alone."""
    folder = uploads_dir(create=True)
    abandoned, fresh = folder / "tmpold.csv", folder / "tmpnew.csv"
    abandoned.write_text("name,email\n")
    fresh.write_text("name,email\n")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    assert recovery.purge_expired().stale_uploads == 1
    assert not abandoned.exists() and fresh.exists()
