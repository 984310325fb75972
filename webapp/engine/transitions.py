"""Every job state change, each one conditional UPDATE in its own short transaction.

`WHERE id = :id AND status IN (...)` (plus the claim token for a running attempt) makes a
duplicate message, a retry racing a cancel, or a recovered job's old worker a no-op.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Connection, insert, select, update

from webapp.extensions import db
from webapp.models.job import (
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    PROCESSING,
    Job,
    JobEvent,
)
from webapp.models.types import utcnow


def lease_seconds() -> int:
    """How long a claim holds without renewal (JOB_LEASE_SECONDS, default 30)."""
    return int(current_app.config["JOB_LEASE_SECONDS"])


# A delayed message may arrive a little before available_at on a skewed clock.
EARLY_SLACK = timedelta(seconds=1)


def _event(conn: Connection, job_id: str, kind: str, attempt: int = 0, detail: str = "",
           error_code: str | None = None, at: datetime | None = None) -> None:  # fmt: skip
    conn.execute(
        insert(JobEvent).values(
            job_id=job_id,
            kind=kind,
            attempt=attempt,
            detail=detail[:2000],
            error_code=error_code,
            at=at or utcnow(),
        )
    )


def _running(job_id: str, token: str, attempt: int) -> Any:
    """The WHERE clause that proves this attempt still holds the job."""
    return (
        (Job.id == job_id)
        & (Job.status == PROCESSING)
        & (Job.worker_id == token)
        & (Job.attempts == attempt)
    )


def new_message_id() -> str:
    """A fresh Dramatiq message id."""
    return str(uuid.uuid4())


def claim(job_id: str, token: str) -> dict[str, Any] | None:
    """pending -> processing for this worker, attempts + 1; None when someone else has it."""
    now = utcnow()
    with db.engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == PENDING,
                Job.cancel_requested.is_(False),
                Job.available_at <= now + EARLY_SLACK,
            )
            .values(
                status=PROCESSING,
                attempts=Job.attempts + 1,
                started_at=now,
                worker_id=token,
                lease_expires_at=now + timedelta(seconds=lease_seconds()),
                progress=0,
                message="Starting",
                updated_at=now,
            )
        )
        if result.rowcount != 1:
            return None
        row = conn.execute(select(Job.__table__).where(Job.id == job_id)).mappings().one()
        _event(conn, job_id, "started", row["attempts"], f"Attempt {row['attempts']} started")
        return dict(row)


def record_progress(job_id: str, token: str, attempt: int, percent: int, message: str) -> bool:
    """Write progress and renew the lease; False when the attempt lost the job or was cancelled."""
    now = utcnow()
    with db.engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(_running(job_id, token, attempt), Job.cancel_requested.is_(False))
            .values(
                progress=percent,
                message=message[:255],
                lease_expires_at=now + timedelta(seconds=lease_seconds()),
                updated_at=now,
            )
        )
        return result.rowcount == 1


def is_cancel_requested(job_id: str) -> bool:
    """True when the job's owner asked to cancel it."""
    with db.engine.connect() as conn:
        return bool(conn.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def complete(job_id: str, token: str, attempt: int, result: dict[str, Any] | None,
             ttl_seconds: int, message: str = "Done") -> bool:  # fmt: skip
    """processing -> completed, unless a cancel was requested or the claim was lost."""
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl_seconds)
    data = dict(result) if result else None
    if data is not None and "file_name" in data:
        data["expires_at"] = expires_at.isoformat().replace("+00:00", "Z")
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(_running(job_id, token, attempt), Job.cancel_requested.is_(False))
            .values(
                status=COMPLETED,
                progress=100,
                message=message,
                result_data=data,
                completed_at=now,
                expires_at=expires_at,
                worker_id=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        if done.rowcount == 1:
            _event(conn, job_id, "completed", attempt, message, at=now)
        return done.rowcount == 1


def cancel_running(job_id: str, token: str, attempt: int) -> bool:
    """processing -> cancelled, by the attempt that noticed the cancel request."""
    now = utcnow()
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(_running(job_id, token, attempt))
            .values(
                status=CANCELLED,
                cancelled_at=now,
                message="Cancelled",
                worker_id=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        if done.rowcount == 1:
            _event(conn, job_id, "cancelled", attempt, "Stopped at the owner's request", at=now)
        return done.rowcount == 1


def fail_attempt(job_id: str, token: str, attempt: int, *, code: str, message: str,
                 details: str, traceback: str, retry_in: float | None) -> str | None:  # fmt: skip
    """Record a failed attempt: back to pending (retry_in seconds) or failed for good.

    Returns "retry" or "failed", or None when the attempt no longer held the job.
    """
    now = utcnow()
    common = dict(
        error_code=code, error_message=message[:2000], error_details=details[:4000],
        traceback=traceback[-20000:], worker_id=None, lease_expires_at=None, updated_at=now,
    )  # fmt: skip
    with db.engine.begin() as conn:
        if retry_in is not None:
            when = now + timedelta(seconds=retry_in)
            done = conn.execute(
                update(Job)
                .where(_running(job_id, token, attempt), Job.attempts < Job.max_attempts)
                .values(
                    status=PENDING,
                    available_at=when,
                    message_id=new_message_id(),
                    message=f"Attempt {attempt} failed ({code}); retrying",
                    **common,
                )
            )
            if done.rowcount == 1:
                _event(conn, job_id, "attempt_failed", attempt, message, code, at=now)
                return "retry"
        done = conn.execute(
            update(Job)
            .where(_running(job_id, token, attempt))
            .values(status=FAILED, failed_at=now, message="Failed", **common)
        )
        if done.rowcount == 1:
            _event(conn, job_id, "failed", attempt, message, code, at=now)
            return "failed"
        return None


def cancel(job_id: str) -> str | None:
    """Owner's cancel: pending -> cancelled now; processing -> cancel_requested.

    Returns "cancelled", "requested", or None when the job is already final.
    """
    now = utcnow()
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PENDING)
            .values(
                status=CANCELLED,
                cancel_requested=True,
                cancelled_at=now,
                message="Cancelled",
                updated_at=now,
            )
        )
        if done.rowcount == 1:
            _event(conn, job_id, "cancelled", 0, "Cancelled before it started", at=now)
            return "cancelled"
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PROCESSING, Job.cancel_requested.is_(False))
            .values(cancel_requested=True, message="Cancelling…", updated_at=now)
        )
        if done.rowcount == 1:
            _event(conn, job_id, "cancel_requested", 0, "Cancel requested", at=now)
            return "requested"
        status = conn.scalar(select(Job.status).where(Job.id == job_id))
        return "requested" if status == PROCESSING else None


def retry_failed(job_id: str, extra_attempts: int) -> str | None:
    """Admin's retry: failed -> pending with `extra_attempts` more; returns the new message id."""
    now = utcnow()
    message_id = new_message_id()
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == FAILED)
            .values(
                status=PENDING,
                max_attempts=Job.attempts + extra_attempts,
                available_at=now,
                failed_at=None,
                message_id=message_id,
                message="Queued again",
                progress=0,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            return None
        _event(conn, job_id, "retried", 0, "Queued again by hand", at=now)
        return message_id


def return_stale(job_id: str, lease_before: datetime) -> tuple[str, str] | None:
    """A processing job whose worker stopped renewing its lease: back to pending, or failed.

    Returns ("pending", new message id), ("failed", "") or ("cancelled", "") when a cancel was
    requested, or None if the job moved on meanwhile.
    """
    now = utcnow()
    message_id = new_message_id()
    stale = (Job.id == job_id) & (Job.status == PROCESSING) & (Job.lease_expires_at < lease_before)
    with db.engine.begin() as conn:
        row = conn.execute(
            select(Job.attempts, Job.max_attempts, Job.cancel_requested).where(stale)
        ).one_or_none()
        if row is None:
            return None
        attempts, max_attempts, cancel_requested = row
        lost = "The worker running this job stopped without finishing it."
        if cancel_requested:
            values: dict[str, Any] = dict(status=CANCELLED, cancelled_at=now, message="Cancelled")
            outcome, kind = "cancelled", "cancelled"
        elif attempts >= max_attempts:
            values = dict(
                status=FAILED, failed_at=now, message="Failed", error_code="E7003",
                error_message="The worker was lost on every attempt.",
                error_details=f"{attempts} of {max_attempts} attempts ended with the worker gone.",
            )  # fmt: skip
            outcome, kind = "failed", "failed"
        else:
            values = dict(
                status=PENDING, available_at=now, message_id=message_id,
                message=f"Worker lost during attempt {attempts}; queued again",
                error_code="E7003", error_message=lost,
            )  # fmt: skip
            outcome, kind = "pending", "attempt_failed"
        done = conn.execute(
            update(Job)
            .where(stale, Job.attempts == attempts)
            .values(worker_id=None, lease_expires_at=None, updated_at=now, **values)
        )
        if done.rowcount != 1:
            return None
        _event(conn, job_id, kind, attempts, lost, "E7003", at=now)
        return outcome, (message_id if outcome == "pending" else "")


def replace_message_id(job_id: str, old_message_id: str | None) -> str | None:
    """A pending job whose message was lost gets a fresh message id (once, even if racing)."""
    message_id = new_message_id()
    with db.engine.begin() as conn:
        cond = (
            Job.message_id.is_(None)
            if old_message_id is None
            else (Job.message_id == old_message_id)
        )
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PENDING, cond)
            .values(message_id=message_id, updated_at=utcnow())
        )
        return message_id if done.rowcount == 1 else None


def mark_purged(job_id: str) -> bool:
    """A final job's result files were removed after expires_at."""
    now = utcnow()
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status.in_((COMPLETED, FAILED, CANCELLED)),
                Job.purged_at.is_(None),
            )
            .values(purged_at=now, updated_at=now)
        )
        if done.rowcount == 1:
            _event(conn, job_id, "expired", 0, "Result removed after its time to live", at=now)
        return done.rowcount == 1
