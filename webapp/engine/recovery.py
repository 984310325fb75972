"""Find what was lost between the database and the broker, and the purge of expired results.

Every comparison uses the database's clock. A worker process is dead once its heartbeat row
has been silent for `STALE_BEATS` intervals; its jobs are released then, without waiting out
their leases. A lease that runs out (a worker that never wrote a heartbeat, or an attempt stuck
past its time limit) releases a job too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import String, delete, exists, literal, select, tuple_

from webapp.engine import dispatch, reclaim, transitions
from webapp.engine.clock import database_now, db_time
from webapp.engine.storage import remove_job_files, remove_stale_uploads
from webapp.extensions import db
from webapp.models.job import (
    CANCELLED,
    FAILED,
    FINAL_STATUSES,
    PENDING,
    PROCESSING,
    Job,
    WorkerHeartbeat,
)
from webapp.models.ops import QueuePause
from webapp.models.types import UTCDateTime

log = logging.getLogger("tamam.recovery")

# A pending job whose message the broker no longer holds is re-sent once it is this old.
LOST_GRACE = timedelta(seconds=5)
# Without a way to look into the broker, re-send pending jobs untouched for this long.
BLIND_GRACE = timedelta(minutes=5)
# A worker whose heartbeat has been silent for this many intervals is dead.
STALE_BEATS = 3
# A dead worker's row is kept (for the ops page) this long, then forgotten.
FORGET_AFTER = timedelta(hours=1)
BATCH = 500
# Pending rows checked against the broker per round trip, and per pass at most.
SCAN_BATCH, SCAN_PER_PASS = 1000, 20_000
_scan: dict[str, tuple[datetime, str] | None] = {"after": None}


@dataclass
class RecoveryReport:
    """What one recovery pass did."""

    resent: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    dead_workers: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many jobs the pass touched."""
        return len(self.resent) + len(self.requeued) + len(self.failed) + len(self.cancelled)


def stale_after() -> float:
    """Seconds of heartbeat silence after which a worker process counts as dead."""
    return STALE_BEATS * float(current_app.config["WORKER_HEARTBEAT_SECONDS"])


def recover() -> RecoveryReport:
    """Release dead workers' and stale jobs, finish stranded cancels, re-send lost messages."""
    report = RecoveryReport()
    _release_dead_workers(report)
    _release_expired_leases(report)
    _finish_pending_cancels(report)
    _resend_lost(report)
    _forget_dead_workers()
    db.session.rollback()  # end the read transaction
    if report.total or report.dead_workers:
        log.warning(
            "Recovery: %d re-sent, %d returned to pending, %d failed, %d cancelled"
            " (dead workers: %s)",
            len(report.resent), len(report.requeued), len(report.failed), len(report.cancelled),
            ", ".join(report.dead_workers) or "none",
        )  # fmt: skip
    return report


def _release(report: RecoveryReport, job_id: str, job_type: str, which: Any, why: str) -> None:
    outcome = reclaim.release(job_id, which, why)
    if outcome is None:
        return
    if outcome.status == PENDING and outcome.message_id:
        dispatch.send(job_id, job_type, outcome.message_id)
        report.requeued.append(job_id)
    elif outcome.status == FAILED:
        report.failed.append(job_id)
        log.error("Job %s failed with E7003: its worker was lost on its last attempt", job_id)
    elif outcome.status == CANCELLED:
        report.cancelled.append(job_id)
        remove_job_files(job_id)


def _release_dead_workers(report: RecoveryReport) -> None:
    dead = db.session.scalars(
        select(WorkerHeartbeat.id).where(WorkerHeartbeat.last_seen_at < db_time(-stale_after()))
    ).all()
    for key in dead:
        jobs = db.session.execute(
            select(Job.id, Job.type).where(reclaim.held_by(key)).limit(BATCH)
        ).all()
        if jobs:
            report.dead_workers.append(key)
        why = f"Its worker {key} stopped sending heartbeats."
        for job_id, job_type in jobs:
            _release(report, job_id, job_type, reclaim.held_by(key), why)


def _release_expired_leases(report: RecoveryReport) -> None:
    stale = db.session.execute(
        select(Job.id, Job.type)
        .where(reclaim.lease_ran_out())
        .order_by(Job.lease_expires_at)
        .limit(BATCH)
    ).all()
    for job_id, job_type in stale:
        _release(report, job_id, job_type, reclaim.lease_ran_out(), "Its lease ran out.")


def _finish_pending_cancels(report: RecoveryReport) -> None:
    stranded = db.session.scalars(
        select(Job.id).where(Job.status == PENDING, Job.cancel_requested.is_(True)).limit(BATCH)
    ).all()
    for job_id in stranded:
        if transitions.settle_unclaimed(job_id).reason == "cancelled":
            remove_job_files(job_id)
            report.cancelled.append(job_id)


def _resend_lost(report: RecoveryReport) -> None:
    """Check pending rows against the broker in batches, resuming where the last pass stopped.

    A paused queue's jobs are left alone: their messages were dropped on purpose.
    """
    now = database_now(db.session.connection())
    paused = db.session.scalars(select(QueuePause.queue)).all()
    after, scanned = _scan["after"], 0
    while scanned < SCAN_PER_PASS:
        query = select(
            Job.id, Job.type, Job.queue, Job.message_id, Job.available_at, Job.updated_at
        ).where(Job.status == PENDING, Job.available_at <= now + timedelta(days=8))
        if paused:
            query = query.where(Job.queue.not_in(paused))
        if after is not None:
            key = tuple_(literal(after[0], UTCDateTime()), literal(after[1], String()))
            query = query.where(tuple_(Job.available_at, Job.id) > key)
        rows = db.session.execute(query.order_by(Job.available_at, Job.id).limit(SCAN_BATCH)).all()
        _resend_batch(report, rows, now)
        scanned += len(rows)
        after = (rows[-1].available_at, rows[-1].id) if len(rows) == SCAN_BATCH else None
        if after is None:
            break
    _scan["after"] = after  # a backlog larger than one pass is covered by the next ones


def resend_queue(queue: str) -> int:
    """A resumed queue: re-send its oldest waiting jobs whose messages are gone (one batch)."""
    now = database_now(db.session.connection())
    rows = db.session.execute(
        select(Job.id, Job.type, Job.queue, Job.message_id, Job.available_at, Job.updated_at)
        .where(Job.queue == queue, Job.status == PENDING)
        .order_by(Job.created_at, Job.id)  # idx_queue_status_created
        .limit(SCAN_BATCH)
    ).all()
    report = RecoveryReport()
    _resend_batch(report, rows, now, grace=False)
    db.session.rollback()
    return len(report.resent)


def _resend_batch(
    report: RecoveryReport, rows: Sequence[Any], now: datetime, grace: bool = True
) -> None:
    settled = [row for row in rows if not grace or row.updated_at <= now - LOST_GRACE]
    present = dispatch.messages_present(
        [(row.queue, row.message_id or "") for row in settled]
    )  # one round trip for the whole batch
    for index, row in enumerate(settled):
        if row.id in report.requeued or not _lost(row, present, index, now):
            continue
        fresh = reclaim.replace_message_id(row.id, row.message_id)
        if fresh is not None:
            delay = (row.available_at - now).total_seconds()
            dispatch.send(row.id, row.type, fresh, delay)
            report.resent.append(row.id)


def _lost(row: Any, present: list[bool] | None, index: int, now: datetime) -> bool:
    if not row.message_id:
        return True
    if present is None:  # no way to look into the broker: only what waited far too long
        return row.updated_at < now - BLIND_GRACE and row.available_at < now - BLIND_GRACE
    return not present[index]


def _forget_dead_workers() -> None:
    """Delete heartbeat rows silent for FORGET_AFTER that hold no job any more."""
    holding = exists().where(
        Job.status == PROCESSING,
        Job.worker_id.like(WorkerHeartbeat.id + ":%"),  # may over-match: keeps a row longer
    )
    db.session.execute(
        delete(WorkerHeartbeat).where(
            WorkerHeartbeat.last_seen_at < db_time(-FORGET_AFTER.total_seconds()), ~holding
        )
    )
    db.session.commit()


@dataclass
class PurgeReport:
    """What one purge pass did."""

    expired: list[str] = field(default_factory=list)
    deleted: int = 0
    stale_uploads: int = 0


def purge_expired() -> PurgeReport:
    """Delete the files of final jobs past expires_at, rows past the retention period, and
    uploads no job took (a web process died between checking a file and making its job)."""
    report = PurgeReport()
    due = db.session.scalars(
        select(Job.id)
        .where(Job.status.in_(FINAL_STATUSES), Job.expires_at < db_time(), Job.purged_at.is_(None))
        .limit(5000)
    ).all()
    for job_id in due:
        remove_job_files(job_id)
        if reclaim.mark_purged(job_id):
            report.expired.append(job_id)
    retention = timedelta(days=int(current_app.config["JOB_RETENTION_DAYS"]))
    old = db.session.scalars(
        select(Job.id)
        .where(Job.status.in_(FINAL_STATUSES), Job.created_at < db_time(-retention.total_seconds()))
        .limit(5000)
    ).all()
    for job_id in old:
        remove_job_files(job_id)
    if old:
        result = db.session.execute(
            delete(Job).where(Job.id.in_(old), Job.status.in_(FINAL_STATUSES))
        )
        report.deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
    db.session.commit()
    report.stale_uploads = remove_stale_uploads()
    if report.expired or report.deleted or report.stale_uploads:
        log.info(
            "Purge: %d results expired, %d old jobs deleted, %d abandoned uploads removed",
            len(report.expired), report.deleted, report.stale_uploads,
        )  # fmt: skip
    return report
