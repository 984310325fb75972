"""Find what was lost between the database and the broker, and the purge of expired results."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from webapp.engine import dispatch, transitions
from webapp.engine.storage import remove_job_files
from webapp.extensions import db
from webapp.models.job import FINAL_STATUSES, PENDING, PROCESSING, Job
from webapp.models.types import utcnow

log = logging.getLogger("tamam.recovery")

# A pending job whose message Redis no longer holds is re-sent once it is this old.
LOST_GRACE = timedelta(seconds=10)
# Without a way to look into the broker, re-send pending jobs untouched for this long.
BLIND_GRACE = timedelta(minutes=5)
BATCH = 500


@dataclass
class RecoveryReport:
    """What one recovery pass did."""

    resent: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many jobs the pass touched."""
        return len(self.resent) + len(self.requeued) + len(self.failed) + len(self.cancelled)


def recover() -> RecoveryReport:
    """Return stale processing jobs to pending (or failed) and re-send lost pending jobs."""
    report = RecoveryReport()
    now = utcnow()
    stale = db.session.execute(
        select(Job.id, Job.type)
        .where(Job.status == PROCESSING, Job.lease_expires_at < now)
        .order_by(Job.lease_expires_at)
        .limit(BATCH)
    ).all()
    for job_id, job_type in stale:
        returned = transitions.return_stale(job_id, now)
        outcome, message_id = returned if returned else ("", "")
        if outcome == "pending":
            dispatch.send(job_id, job_type, message_id)
            report.requeued.append(job_id)
        elif outcome == "failed":
            report.failed.append(job_id)
            log.error("Job %s failed with E7003: its worker was lost on every attempt", job_id)
        elif outcome == "cancelled":
            report.cancelled.append(job_id)
            remove_job_files(job_id)

    rows = db.session.execute(
        select(Job.id, Job.type, Job.queue, Job.message_id, Job.available_at, Job.updated_at)
        .where(Job.status == PENDING, Job.available_at <= now + timedelta(days=8))
        .order_by(Job.available_at)
        .limit(BATCH * 4)
    ).all()
    for job_id, job_type, queue, message_id, available_at, updated_at in rows:
        if job_id in report.requeued or not _looks_lost(
            queue, message_id, available_at, updated_at, now
        ):
            continue
        fresh = transitions.replace_message_id(job_id, message_id)
        if fresh is not None:
            dispatch.send(job_id, job_type, fresh, available_at)
            report.resent.append(job_id)
    db.session.rollback()  # end the read transaction
    if report.total:
        log.warning(
            "Recovery: %d re-sent, %d returned to pending, %d failed, %d cancelled",
            len(report.resent), len(report.requeued), len(report.failed), len(report.cancelled),
        )  # fmt: skip
    return report


def _looks_lost(queue, message_id, available_at, updated_at, now) -> bool:  # type: ignore[no-untyped-def]
    if updated_at > now - LOST_GRACE:
        return False  # just written: its message may be on its way
    present = dispatch.message_present(queue, message_id) if message_id else False
    if present is None:
        return updated_at < now - BLIND_GRACE and available_at < now - BLIND_GRACE
    return not present


@dataclass
class PurgeReport:
    """What one purge pass did."""

    expired: list[str] = field(default_factory=list)
    deleted: int = 0


def purge_expired() -> PurgeReport:
    """Delete the files of final jobs past expires_at, and rows past the retention period."""
    report = PurgeReport()
    now = utcnow()
    due = db.session.scalars(
        select(Job.id)
        .where(Job.status.in_(FINAL_STATUSES), Job.expires_at < now, Job.purged_at.is_(None))
        .limit(5000)
    ).all()
    for job_id in due:
        remove_job_files(job_id)
        if transitions.mark_purged(job_id):
            report.expired.append(job_id)
    cutoff = now - timedelta(days=int(current_app.config["JOB_RETENTION_DAYS"]))
    old = db.session.scalars(
        select(Job.id).where(Job.status.in_(FINAL_STATUSES), Job.created_at < cutoff).limit(5000)
    ).all()
    for job_id in old:
        remove_job_files(job_id)
    if old:
        result = db.session.execute(
            delete(Job).where(Job.id.in_(old), Job.status.in_(FINAL_STATUSES))
        )
        report.deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
    db.session.commit()
    if report.expired or report.deleted:
        log.info(
            "Purge: %d results expired, %d old jobs deleted", len(report.expired), report.deleted
        )
    return report
