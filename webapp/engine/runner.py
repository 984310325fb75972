"""Run one delivery of a job: claim it, do the work with progress, record how it ended."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import traceback as tb
from collections import Counter
from typing import Any

from dramatiq.middleware.time_limit import TimeLimitExceeded

from webapp.engine import dispatch, registry, transitions
from webapp.engine.errors import TIMEOUT, ClaimLost, JobCancelled, JobError
from webapp.engine.registry import JobContext, JobType
from webapp.engine.storage import job_dir, remove_job_files
from webapp.notifications import job_completed

log = logging.getLogger("tamam.jobs")

PROGRESS_INTERVAL = 0.5  # seconds between progress writes: about two a second per job

# This process's counts, read by the worker heartbeat.
STATS: Counter[str] = Counter()
_stats_lock = threading.Lock()


def _count(key: str, delta: int = 1) -> None:
    with _stats_lock:
        STATS[key] += delta


def process_prefix() -> str:
    """host:pid of this worker process; leases are renewed for every token with this prefix."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_token() -> str:
    """host:pid:thread, the token a claimed job row carries while this thread runs it."""
    return f"{process_prefix()}:{threading.get_ident()}"


class ProgressReporter:
    """The progress(percent, message) callback: throttled writes, cancel and claim checks."""

    def __init__(self, job_id: str, token: str, attempt: int) -> None:
        self.job_id, self.token, self.attempt = job_id, token, attempt
        self.last_write = 0.0
        self.percent = 0

    def __call__(self, percent: float, message: str = "") -> None:
        """Record progress; raises JobCancelled or ClaimLost when the job must stop."""
        percent = max(0, min(100, int(percent)))
        now = time.monotonic()
        if percent < 100 and now - self.last_write < PROGRESS_INTERVAL:
            return
        self.last_write, self.percent = now, percent
        if not transitions.record_progress(self.job_id, self.token, self.attempt, percent, message):
            if transitions.is_cancel_requested(self.job_id):
                raise JobCancelled(self.job_id)
            raise ClaimLost(self.job_id)


def run_job(job_id: str) -> None:
    """Run one delivery of `job_id`; duplicates and final or cancelled jobs do nothing."""
    token = claim_token()
    row = transitions.claim(job_id, token)
    if row is None:
        log.info("Job %s: nothing to do (already taken, final, cancelled or not due)", job_id)
        return
    attempt = int(row["attempts"])
    jt = registry.get(row["type"])
    _count("in_progress")
    try:
        _run_claimed(row, jt, token, attempt)
    finally:
        _count("in_progress", -1)


def _run_claimed(row: dict[str, Any], jt: JobType, token: str, attempt: int) -> None:
    job_id = row["id"]
    ctx = JobContext(
        job_id=job_id,
        user_id=row["user_id"],
        params=dict(row["input_data"] or {}),
        attempt=attempt,
        out_dir=job_dir(job_id, create=jt.produces_file),
        progress=ProgressReporter(job_id, token, attempt),
    )
    try:
        result = jt.run(ctx)
    except JobCancelled:
        remove_job_files(job_id)  # files first: once the row says cancelled, nothing is left
        transitions.cancel_running(job_id, token, attempt)
        log.info("Job %s cancelled during attempt %d", job_id, attempt)
        return
    except ClaimLost:
        log.warning("Job %s: attempt %d lost its claim; its work is discarded", job_id, attempt)
        return
    except (Exception, TimeLimitExceeded) as exc:
        _count("failed")
        if _record_failure(row, jt, token, attempt, exc) == "failed":
            raise  # the final failure also reaches Dramatiq, which dead-letters the message
        return
    if transitions.complete(job_id, token, attempt, result, jt.result_ttl):
        _count("processed")
        log.info("Job %s (%s) completed on attempt %d", job_id, jt.name, attempt)
        job_completed(job_id, jt)  # queues the owner's "ready" email; never raises
    elif transitions.is_cancel_requested(job_id):
        remove_job_files(job_id)
        transitions.cancel_running(job_id, token, attempt)
        log.info("Job %s cancelled as it finished; its result is discarded", job_id)
    else:
        log.warning("Job %s: attempt %d finished after losing its claim", job_id, attempt)


def _describe(exc: BaseException, jt: JobType) -> tuple[str, str, str, bool]:
    """(code, message, details, may retry) for an exception raised by a job."""
    if isinstance(exc, JobError):
        return exc.code, exc.message, exc.details, exc.retry
    if isinstance(exc, TimeLimitExceeded):
        return TIMEOUT, f"The attempt ran past the {jt.time_limit} s time limit.", "", True
    title = "Report generation failed" if jt.error_code == "E7005" else "Unexpected error"
    return jt.error_code, title, f"{type(exc).__name__}: {exc}"[:2000], True


def _record_failure(
    row: dict[str, Any], jt: JobType, token: str, attempt: int, exc: BaseException
) -> str | None:
    job_id = row["id"]
    code, message, details, may_retry = _describe(exc, jt)
    trace = "".join(tb.format_exception(exc))
    retry_in = None
    if may_retry and attempt < int(row["max_attempts"]):
        retry_in = jt.backoff_seconds(attempt) * random.uniform(0.9, 1.1)
    remove_job_files(job_id)
    outcome = transitions.fail_attempt(
        job_id, token, attempt, code=code, message=message, details=details,
        traceback=trace, retry_in=retry_in,
    )  # fmt: skip
    if outcome == "retry":
        fresh = _pending_message(job_id)
        if fresh is not None:
            dispatch.send(job_id, jt.name, fresh[0], fresh[1])
        log.warning(
            "Job %s (%s) attempt %d of %d failed with %s, retrying in %.1f s: %s",
            job_id, jt.name, attempt, row["max_attempts"], code, retry_in or 0, message,
        )  # fmt: skip
    elif outcome == "failed":
        log.error(
            "Job %s (%s) failed after %d attempt(s) with %s: %s %s",
            job_id, jt.name, attempt, code, message, details,
        )  # fmt: skip
    return outcome


def _pending_message(job_id: str) -> tuple[str, Any] | None:
    """(message id, available_at) of a job that was just put back to pending."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.job import PENDING, Job

    with db.engine.connect() as conn:
        found = conn.execute(
            select(Job.message_id, Job.available_at).where(Job.id == job_id, Job.status == PENDING)
        ).one_or_none()
    return (found[0], found[1]) if found else None
