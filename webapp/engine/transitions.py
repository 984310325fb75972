"""An attempt's state changes, each one conditional UPDATE in its own short transaction.

`WHERE id = :id AND status IN (...)` (plus the claim token for a running attempt) makes a
duplicate message, a retry racing a cancel, or a recovered job's old worker a no-op. Every time
is the database's (`db_time`), so hosts whose clocks disagree cannot re-run or stall a job.
Cancel wins: an attempt that ends in any way while its owner asked to cancel ends `cancelled`.

The owner's and admin's requests are in `requests.py`, recovery's and purge's in `reclaim.py`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Connection, case, false, insert, select, update

from webapp.engine.clock import database_now, db_time
from webapp.engine.errors import UNEXPECTED
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.job import CANCELLED, COMPLETED, FAILED, PENDING, PROCESSING, Job, JobEvent


def lease_seconds() -> int:
    """How long a claim holds without renewal (JOB_LEASE_SECONDS, default 30)."""
    return int(current_app.config["JOB_LEASE_SECONDS"])


def new_message_id() -> str:
    """A fresh Dramatiq message id."""
    return str(uuid.uuid4())


FINAL_EVENTS = ("completed", "failed", "cancelled")


def event(conn: Connection, job_id: str, kind: str, attempt: int = 0, detail: str = "",
          error_code: str | None = None) -> None:  # fmt: skip
    """Add a line to the job's timeline, in the caller's transaction.

    Every final change writes one of FINAL_EVENTS: its deliveries (the job's webhook, the
    owner's "ready" email) are written to the outbox in the same transaction
    (webapp.notifications.job_ended).
    """
    conn.execute(
        insert(JobEvent).values(
            job_id=job_id,
            kind=kind,
            attempt=attempt,
            detail=detail[:2000],
            error_code=error_code,
            at=db_time(),
        )
    )
    if kind in FINAL_EVENTS:
        from webapp.notifications import job_ended

        job_ended(conn, job_id, kind)


def holds(job_id: str, token: str, attempt: int) -> Any:
    """The WHERE clause that proves this attempt still holds the job."""
    return (
        (Job.id == job_id)
        & (Job.status == PROCESSING)
        & (Job.worker_id == token)
        & (Job.attempts == attempt)
    )


def _cancelled_values() -> dict[str, Any]:
    return dict(status=CANCELLED, cancelled_at=db_time(), message=N_("Cancelled"))


def _released_values() -> dict[str, Any]:
    return dict(worker_id=None, lease_expires_at=None, updated_at=db_time())


def _claimed_values(token: str) -> dict[str, Any]:
    """The columns a claim sets: processing for `token`, one more attempt, a fresh lease."""
    return dict(
        status=PROCESSING,
        attempts=Job.attempts + 1,
        started_at=db_time(),
        worker_id=token,
        lease_expires_at=db_time(lease_seconds()),
        progress=0,
        message=N_("Starting"),
        updated_at=db_time(),
    )


def claim_in(conn: Connection, which: Any, token: str) -> dict[str, Any] | None:
    """pending -> processing for `token`, attempts + 1, for the job whose id is `which` (a
    value or a scalar subquery) if it is still pending, due and not cancelled; the row, or None.
    """
    row = (
        conn.execute(
            update(Job)
            .where(
                Job.id == which,
                Job.status == PENDING,
                Job.cancel_requested.is_(False),
                Job.available_at <= db_time(),
            )
            .values(**_claimed_values(token))
            .returning(*Job.__table__.c)
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    event(
        conn,
        row["id"],
        "started",
        row["attempts"],
        N_("Attempt %(attempt)s started") % {"attempt": row["attempts"]},
    )
    return dict(row)


def claim(job_id: str, token: str) -> dict[str, Any] | None:
    """pending -> processing for this worker, attempts + 1; None when it is not ours to run."""
    with db.engine.begin() as conn:
        return claim_in(conn, job_id, token)


@dataclass(frozen=True)
class Unclaimed:
    """Why a delivery found nothing to claim, and what the runner must do about it."""

    reason: str  # "early", "cancelled" or "nothing" (duplicate, final, running elsewhere)
    job_type: str = ""
    message_id: str = ""
    delay_seconds: float = 0.0


def settle_unclaimed(job_id: str) -> Unclaimed:
    """After a failed claim: re-delay a message that came early, finish a pending cancel."""
    with db.engine.begin() as conn:
        cancelled = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PENDING, Job.cancel_requested.is_(True))
            .values(**_cancelled_values(), updated_at=db_time())
        )
        if cancelled.rowcount == 1:
            event(conn, job_id, "cancelled", 0, N_("Cancelled before it started"))
            return Unclaimed("cancelled")
        row = conn.execute(
            select(Job.type, Job.message_id, Job.available_at).where(
                Job.id == job_id, Job.status == PENDING
            )
        ).one_or_none()
        now = database_now(conn)
        if row is None or row.available_at <= now:
            return Unclaimed("nothing")
        # Delivered before its time (the sender's or this host's clock is off): send it again
        # for the time the database says, under a new id so that exactly one message is live.
        message_id = new_message_id()
        moved = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == PENDING, Job.message_id == row.message_id)
            .values(message_id=message_id)
        )
        if moved.rowcount != 1:
            return Unclaimed("nothing")
        return Unclaimed("early", row.type, message_id, (row.available_at - now).total_seconds())


def record_progress(job_id: str, token: str, attempt: int, percent: int, message: str) -> bool:
    """Write progress and renew the lease; False when the attempt lost the job or was cancelled."""
    with db.engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(holds(job_id, token, attempt), Job.cancel_requested.is_(False))
            .values(
                progress=percent,
                message=message[:255],
                lease_expires_at=db_time(lease_seconds()),
                updated_at=db_time(),
            )
        )
        return result.rowcount == 1


def is_cancel_requested(job_id: str) -> bool:
    """True when the job's owner asked to cancel it."""
    with db.engine.connect() as conn:
        return bool(conn.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def complete(job_id: str, token: str, attempt: int, result: dict[str, Any] | None,
             ttl_seconds: int, message: str = N_("Done")) -> bool:  # fmt: skip
    """processing -> completed, unless a cancel was requested or the claim was lost."""
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(holds(job_id, token, attempt), Job.cancel_requested.is_(False))
            .values(
                status=COMPLETED,
                progress=100,
                message=message,
                result_data=dict(result) if result else None,
                completed_at=db_time(),
                expires_at=db_time(ttl_seconds),
                **_released_values(),
            )
        )
        if done.rowcount == 1:
            event(conn, job_id, "completed", attempt, message)
        return done.rowcount == 1


def cancel_running(job_id: str, token: str, attempt: int, detail: str = "",
                   result: dict[str, Any] | None = None) -> bool:  # fmt: skip
    """processing -> cancelled, by the attempt that noticed the cancel request.

    `detail` says how far the work got, `result` keeps its figures (both optional).
    """
    extra: dict[str, Any] = {"result_data": dict(result)} if result else {}
    with db.engine.begin() as conn:
        done = conn.execute(
            update(Job)
            .where(holds(job_id, token, attempt))
            .values(**_cancelled_values(), **_released_values(), **extra)
        )
        if done.rowcount == 1:
            words = (N_("Stopped at the owner's request: %(detail)s") % {"detail": detail}
                     if detail else N_("Stopped at the owner's request"))  # fmt: skip
            event(conn, job_id, "cancelled", attempt, words)
        return done.rowcount == 1


@dataclass(frozen=True)
class Ended:
    """How an attempt ended: the job's new status and, when pending again, its message id."""

    status: str
    message_id: str | None
    attempts: int


def end_attempt(
    conn: Connection,
    where: Any,
    *,
    code: str,
    message: str,
    details: str = "",
    traceback: str = "",
    retry_in: float | None,
    retry_message: str,
) -> Ended | None:
    """End the attempt that `where` selects: pending again, failed, or cancelled if asked.

    One UPDATE decides on the row's own values: a cancel request wins, then a retry while
    `retry_in` is given and attempts remain, else failed. None when `where` matched nothing
    (the attempt no longer held the job). The caller adds the event.
    """
    asked = Job.cancel_requested.is_(True)
    retry = (Job.attempts < Job.max_attempts) if retry_in is not None else false()
    status = case((asked, CANCELLED), (retry, PENDING), else_=FAILED)
    row = conn.execute(
        update(Job)
        .where(where)
        .values(
            status=status,
            message=case(
                (asked, N_("Cancelled")), (retry, retry_message[:255]), else_=N_("Failed")
            ),
            cancelled_at=case((asked, db_time()), else_=Job.cancelled_at),
            failed_at=case((asked, Job.failed_at), (retry, Job.failed_at), else_=db_time()),
            available_at=case((retry, db_time(retry_in or 0)), else_=Job.available_at),
            message_id=case((retry, new_message_id()), else_=Job.message_id),
            error_code=code,
            error_message=message[:2000],
            error_details=details[:4000],
            traceback=traceback[-20000:],
            **_released_values(),
        )
        .returning(Job.status, Job.message_id, Job.attempts)
    ).one_or_none()
    return None if row is None else Ended(str(row.status), row.message_id, int(row.attempts))


def fail_attempt(job_id: str, token: str, attempt: int, *, code: str, message: str,
                 details: str, traceback: str, retry_in: float | None) -> Ended | None:  # fmt: skip
    """Record a failed attempt: pending again (retry in retry_in s), failed or cancelled.

    None when the attempt no longer held the job.
    """
    with db.engine.begin() as conn:
        outcome = end_attempt(
            conn, holds(job_id, token, attempt), code=code, message=message, details=details,
            traceback=traceback, retry_in=retry_in,
            retry_message=N_("Attempt %(attempt)s failed (%(code)s); retrying")
            % {"attempt": attempt, "code": code},
        )  # fmt: skip
        if outcome is not None and outcome.status == CANCELLED:
            event(conn, job_id, "cancelled", attempt, N_("Stopped at the owner's request"))
        elif outcome is not None:
            kind = "attempt_failed" if outcome.status == PENDING else "failed"
            event(conn, job_id, kind, attempt, message, code)
        return outcome


def hand_back(job_id: str, token: str, attempt: int, reason: str) -> Ended | None:
    """An attempt that ended with no final transition gives the job back (retry or fail).

    None when the attempt did not hold the job any more.
    """
    with db.engine.begin() as conn:
        outcome = end_attempt(
            conn, holds(job_id, token, attempt), code=UNEXPECTED,
            message=N_("The attempt stopped without recording how it ended."), details=reason,
            retry_in=0,
            retry_message=N_("Attempt %(attempt)s stopped early; queued again")
            % {"attempt": attempt},
        )  # fmt: skip
        if outcome is not None:
            kind = {PENDING: "attempt_failed", FAILED: "failed"}.get(outcome.status, "cancelled")
            event(conn, job_id, kind, attempt, reason, None if kind == "cancelled" else UNEXPECTED)
        return outcome
