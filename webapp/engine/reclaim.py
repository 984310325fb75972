"""Recovery's and purge's state changes: jobs whose worker is gone, lost messages, expiry.

Each one is a conditional UPDATE judged by the database's clock, so a recovery pass racing the
job's own worker, or a second pass, changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from webapp.engine.clock import db_time
from webapp.engine.errors import WORKER_LOST
from webapp.engine.transitions import Ended, end_attempt, event, new_message_id
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.job import CANCELLED, FINAL_STATUSES, PENDING, PROCESSING, Job

LOST = N_("The worker running this job stopped without finishing it.")


def lease_ran_out() -> Any:
    """Processing rows whose lease the database's clock says has run out."""
    return (Job.status == PROCESSING) & (Job.lease_expires_at < db_time())


def held_by(worker_key: str) -> Any:
    """Processing rows claimed by any thread of the worker process `worker_key`."""
    return (Job.status == PROCESSING) & Job.worker_id.startswith(f"{worker_key}:", autoescape=True)


def release(job_id: str, which: Any, why: str) -> Ended | None:
    """A processing job whose worker is gone: pending again, failed (E7003) or cancelled.

    `which` is the condition that proves the worker gone (`lease_ran_out()` or `held_by(key)`),
    checked in the same UPDATE. None when the job had moved on meanwhile.
    """
    with db.engine.begin() as conn:
        outcome = end_attempt(
            conn, (Job.id == job_id) & which, code=WORKER_LOST, message=LOST, details=why,
            retry_in=0, retry_message=N_("Worker lost; queued again"),
        )  # fmt: skip
        if outcome is not None:
            kind = {PENDING: "attempt_failed", CANCELLED: "cancelled"}.get(outcome.status, "failed")
            event(conn, job_id, kind, outcome.attempts, f"{LOST} {why}", WORKER_LOST)
        return outcome


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
            .values(message_id=message_id, updated_at=db_time())
        )
        return message_id if done.rowcount == 1 else None


def mark_purged(job_id: str) -> bool:
    """A final job's result files were removed after expires_at."""
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status.in_(FINAL_STATUSES),
                Job.purged_at.is_(None),
            )
            .values(purged_at=db_time(), updated_at=db_time())
        )
        if done.rowcount == 1:
            event(conn, job_id, "expired", 0, N_("Result removed after its time to live"))
        return done.rowcount == 1
