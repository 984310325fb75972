"""The owner's and admin's requests on a job: cancel it, retry it. Each one conditional UPDATE."""

from __future__ import annotations

from sqlalchemy import select, update

from webapp.engine.clock import db_time
from webapp.engine.transitions import event, new_message_id
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.job import CANCELLED, FAILED, PENDING, PROCESSING, Job


def cancel(job_id: str) -> str | None:
    """Owner's cancel: pending -> cancelled now; processing -> cancel_requested.

    Returns "cancelled", "requested", or None when the job is already final.
    """
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PENDING)
            .values(
                status=CANCELLED,
                cancel_requested=True,
                cancelled_at=db_time(),
                message=N_("Cancelled"),
                updated_at=db_time(),
            )
        )
        if done.rowcount == 1:
            event(conn, job_id, "cancelled", 0, N_("Cancelled before it started"))
            return "cancelled"
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PROCESSING, Job.cancel_requested.is_(False))
            .values(cancel_requested=True, message=N_("Cancelling…"), updated_at=db_time())
        )
        if done.rowcount == 1:
            event(conn, job_id, "cancel_requested", 0, N_("Cancel requested"))
            return "requested"
        status = conn.scalar(select(Job.status).where(Job.id == job_id))
        return "requested" if status == PROCESSING else None


def retry_failed(job_id: str, extra_attempts: int) -> str | None:
    """Admin's retry: failed -> pending with `extra_attempts` more; returns the new message id.

    A retry is a new request: it clears any old cancel request, which would otherwise keep
    every worker from claiming the job.
    """
    message_id = new_message_id()
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == FAILED)
            .values(
                status=PENDING,
                max_attempts=Job.attempts + extra_attempts,
                available_at=db_time(),
                failed_at=None,
                discarded_at=None,
                cancel_requested=False,
                message_id=message_id,
                message=N_("Queued again"),
                progress=0,
                updated_at=db_time(),
            )
        )
        if done.rowcount != 1:
            return None
        event(conn, job_id, "retried", 0, N_("Queued again by hand"))
        return message_id


def discard(job_id: str) -> bool:
    """Admin's discard: a failed job leaves the failed list; its row stays for the record.

    Its files are removed by the caller once this returns True.
    """
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == FAILED, Job.discarded_at.is_(None))
            .values(discarded_at=db_time(), updated_at=db_time())
        )
        if done.rowcount != 1:
            return False
        event(conn, job_id, "discarded", 0, N_("Discarded from the failed list"))
        return True
