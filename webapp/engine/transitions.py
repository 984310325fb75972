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
from sqlalchemy import (
    Boolean,
    Connection,
    Float,
    bindparam,
    case,
    false,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.sql.functions import FunctionElement

from webapp.database import write_transaction
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


class db_time_param(db_time):
    """db_time with its seconds from a named parameter, for a statement built once."""

    inherit_cache = True

    def __init__(self, name: str) -> None:
        FunctionElement.__init__(self, bindparam(name, type_=Float()))


# The hot path's statements are built once, with bind parameters: building a statement and
# working out its cache key on every call was most of a worker's CPU per job.
_jobs = Job.__table__
_INSERT_EVENT = insert(JobEvent).values(
    job_id=bindparam("job_id"), kind=bindparam("kind"), attempt=bindparam("attempt"),
    detail=bindparam("detail"), error_code=bindparam("error_code"), at=db_time(),
)  # fmt: skip


def event(conn: Connection, job_id: str, kind: str, attempt: int = 0, detail: str = "",
          error_code: str | None = None, *, deliveries: bool = True) -> None:  # fmt: skip
    """Add a line to the job's timeline, in the caller's transaction.

    Every final change writes one of FINAL_EVENTS: its deliveries (the job's webhook, the
    owner's "ready" email) are written to the outbox in the same transaction
    (webapp.notifications.job_ended). `deliveries=False` only from a caller that proved there
    is none: no callback row and no file for the owner (`complete` reads that in its UPDATE).
    """
    conn.execute(
        _INSERT_EVENT,
        {"job_id": job_id, "kind": kind, "attempt": attempt, "detail": detail[:2000],
         "error_code": error_code},
    )  # fmt: skip
    if kind in FINAL_EVENTS and deliveries:
        from webapp.notifications import job_ended

        job_ended(conn, job_id, kind)


_HOLDS = (
    (_jobs.c.id == bindparam("job_id"))
    & (_jobs.c.status == PROCESSING)
    & (_jobs.c.worker_id == bindparam("token"))
    & (_jobs.c.attempts == bindparam("attempt"))
)  # holds(), with parameters


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


# Subqueries in RETURNING are written out: SQLAlchemy's SQLite compiler drops the table names
# of every column in a RETURNING clause, which would turn `other_job.id != jobs.id` into
# `id != id`. Only the table being changed (jobs) is named from outside.
_OTHERS_RUNNING = literal_column(
    "EXISTS (SELECT 1 FROM jobs AS other_job WHERE other_job.user_id = jobs.user_id"
    f" AND other_job.status = '{PROCESSING}' AND other_job.queue = jobs.queue"
    " AND other_job.type = jobs.type AND other_job.id != jobs.id)",
    Boolean(),
).label("others_running")
_HAS_CALLBACK = literal_column(
    "EXISTS (SELECT 1 FROM job_callbacks WHERE job_callbacks.job_id = jobs.id)", Boolean()
).label("has_callback")


# What a claim reads back: what the runner needs to run the attempt (a whole row costs a
# worker more to describe and convert than the statement itself).
CLAIMED_COLUMNS = ("id", "type", "user_id", "input_data", "attempts", "max_attempts", "message_id")


def claimable(which: Any) -> Any:
    """The claim's UPDATE for the job whose id is `which` (a parameter or a scalar subquery):
    pending -> processing for :token with attempts + 1 and a fresh lease, if it is still
    pending, due and not cancelled. It returns CLAIMED_COLUMNS and `others_running`: whether
    the owner had another job of its type running in its queue (webapp.engine.fair's memo).
    """
    return (
        update(_jobs)
        .where(
            _jobs.c.id == which,
            _jobs.c.status == PENDING,
            _jobs.c.cancel_requested.is_(False),
            _jobs.c.available_at <= db_time(),
        )
        .values(
            status=PROCESSING,
            attempts=_jobs.c.attempts + 1,
            started_at=db_time(),
            worker_id=bindparam("token"),
            lease_expires_at=db_time_param("lease"),
            progress=0,
            message=N_("Starting"),
            updated_at=db_time(),
        )
        .returning(*(_jobs.c[name] for name in CLAIMED_COLUMNS), _OTHERS_RUNNING)
    )


_CLAIM_ID = claimable(bindparam("job_id"))


def claim_params(token: str, **params: Any) -> dict[str, Any]:
    """The parameters of a claim statement from `claimable`: token, lease and `params`."""
    return {"token": token, "lease": float(lease_seconds()), **params}


def claim_with(conn: Connection, statement: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """Run a claim statement from `claimable` and add its "started" line; the row, or None.

    The row carries `others_running` besides the job's columns.
    """
    row = conn.execute(statement, params).mappings().one_or_none()
    if row is None:
        return None
    attempt = row["attempts"]
    words = N_("Attempt %(attempt)s started") % {"attempt": attempt}
    event(conn, row["id"], "started", attempt, words)
    return dict(row)


def claim(job_id: str, token: str) -> dict[str, Any] | None:
    """pending -> processing for this worker, attempts + 1; None when it is not ours to run."""
    with write_transaction(db.engine) as conn:
        row = claim_with(conn, _CLAIM_ID, claim_params(token, job_id=job_id))
    if row is not None:
        del row["others_running"]
    return row


@dataclass(frozen=True)
class Unclaimed:
    """Why a delivery found nothing to claim, and what the runner must do about it."""

    reason: str  # "early", "cancelled" or "nothing" (duplicate, final, running elsewhere)
    job_type: str = ""
    message_id: str = ""
    delay_seconds: float = 0.0


def settle_unclaimed(job_id: str) -> Unclaimed:
    """After a failed claim: re-delay a message that came early, finish a pending cancel."""
    with write_transaction(db.engine) as conn:
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


_PROGRESS = (
    update(_jobs)
    .where(_HOLDS, _jobs.c.cancel_requested.is_(False))
    .values(progress=bindparam("percent"), message=bindparam("message"),
            lease_expires_at=db_time_param("lease"), updated_at=db_time())
)  # fmt: skip


def record_progress(job_id: str, token: str, attempt: int, percent: int, message: str) -> bool:
    """Write progress and renew the lease; False when the attempt lost the job or was cancelled."""
    params = {"job_id": job_id, "token": token, "attempt": attempt, "percent": percent,
              "message": message[:255], "lease": float(lease_seconds())}  # fmt: skip
    with write_transaction(db.engine) as conn:
        return conn.execute(_PROGRESS, params).rowcount == 1


_CANCEL_REQUESTED = select(_jobs.c.cancel_requested).where(_jobs.c.id == bindparam("job_id"))


def is_cancel_requested(job_id: str) -> bool:
    """True when the job's owner asked to cancel it."""
    with db.engine.connect() as conn:
        return bool(conn.scalar(_CANCEL_REQUESTED, {"job_id": job_id}))


_COMPLETE = (
    update(_jobs)
    .where(_HOLDS, _jobs.c.cancel_requested.is_(False))
    .values(status=COMPLETED, progress=100, message=bindparam("message"),
            result_data=bindparam("result", type_=_jobs.c.result_data.type),
            completed_at=db_time(), expires_at=db_time_param("ttl"), worker_id=None,
            lease_expires_at=None, updated_at=db_time())
    .returning(_HAS_CALLBACK)
)  # fmt: skip


def complete(job_id: str, token: str, attempt: int, result: dict[str, Any] | None,
             ttl_seconds: int, message: str = N_("Done")) -> bool:  # fmt: skip
    """processing -> completed, unless a cancel was requested or the claim was lost."""
    result = dict(result) if result else None
    params = {"job_id": job_id, "token": token, "attempt": attempt, "message": message,
              "result": result, "ttl": float(ttl_seconds)}  # fmt: skip
    with write_transaction(db.engine) as conn:
        done = conn.execute(_COMPLETE, params).one_or_none()
        if done is None:
            return False
        # Deliveries: the job's webhook (a callback row) or the owner's email (a file).
        deliveries = bool(done.has_callback) or bool(result and "file_name" in result)
        event(conn, job_id, "completed", attempt, message, deliveries=deliveries)
        return True


def cancel_running(job_id: str, token: str, attempt: int, detail: str = "",
                   result: dict[str, Any] | None = None) -> bool:  # fmt: skip
    """processing -> cancelled, by the attempt that noticed the cancel request.

    `detail` says how far the work got, `result` keeps its figures (both optional).
    """
    extra: dict[str, Any] = {"result_data": dict(result)} if result else {}
    with write_transaction(db.engine) as conn:
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
    with write_transaction(db.engine) as conn:
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
    with write_transaction(db.engine) as conn:
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
