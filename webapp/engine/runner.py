"""Run one delivery of a job: claim it, do the work with progress, record how it ended."""

from __future__ import annotations

import logging
import random
import time
import traceback as tb
from typing import Any

from dramatiq.middleware import CurrentMessage
from dramatiq.middleware.time_limit import TimeLimitExceeded
from redis.exceptions import RedisError

from webapp.engine import attempts, dispatch, fair, registry, transitions
from webapp.engine.errors import GENERATION_FAILED, TIMEOUT, ClaimLost, JobCancelled, JobError
from webapp.engine.outage import DATABASE_UNAVAILABLE, database_outage, deliver_later
from webapp.engine.registry import JobContext, JobType
from webapp.engine.storage import (
    attempt_dir,
    attempt_folder,
    remove_attempt_files,
    remove_job_files,
)
from webapp.i18n import N_
from webapp.models.job import CANCELLED, FAILED, PENDING

log = logging.getLogger("tamam.jobs")

PROGRESS_INTERVAL = 0.5  # seconds between progress writes: about two a second per job
# A lease is renewed while the attempt runs, for at most its time limit plus this: an attempt
# stuck in a call the time limit cannot interrupt is then left to recovery.
RENEW_GRACE = 60.0


class ProgressReporter:
    """The progress(percent, message) callback: throttled writes, cancel and claim checks."""

    def __init__(self, job_id: str, token: str, attempt: int) -> None:
        self.job_id, self.token, self.attempt = job_id, token, attempt
        self.last_write = 0.0
        self.percent = 0

    def __call__(self, percent: float, message: str = "") -> None:
        """Record progress; raises JobCancelled or ClaimLost when the job must stop.

        At most one write per PROGRESS_INTERVAL. 100 % is not written: work reports it as it
        ends, and `complete` writes 100 % a moment later (a cancel asked meanwhile is found
        there: cancel wins). The heartbeat renews the lease in between.
        """
        percent = max(0, min(100, int(percent)))
        now = time.monotonic()
        if percent >= 100 or now - self.last_write < PROGRESS_INTERVAL:
            return
        self.last_write, self.percent = now, percent
        if not transitions.record_progress(self.job_id, self.token, self.attempt, percent, message):
            if transitions.is_cancel_requested(self.job_id):
                raise JobCancelled(self.job_id)
            raise ClaimLost(self.job_id)


_REDELIVERED: dict[str, Any] = {}  # _claim: nothing to run now (sent again, or queue paused)


class _Attempt:
    """An attempt in flight; `ended` once its outcome is on the row (or it lost the claim)."""

    def __init__(self, row: dict[str, Any], token: str) -> None:
        self.row, self.token = row, token
        self.job_id: str = row["id"]
        self.number = int(row["attempts"])
        self.ended = False


def run_job(job_id: str, job_type: str | None = None) -> None:
    """Run one delivery of `job_id`; duplicates and final or cancelled jobs do nothing.

    Delivered by the broker (`job_type` given), the message is a ticket: it runs the job that
    should run next in the type's queue (webapp.engine.fair). Called directly, it runs `job_id`.
    """
    token = attempts.claim_token()
    try:
        row = _claim(job_id, job_type, token)
    except DATABASE_UNAVAILABLE as exc:
        database_outage.failed(exc)
        deliver_later()  # the message waits for the database; it is not dead-lettered
        return
    database_outage.answered()
    if row is _REDELIVERED:
        return
    if row is None:
        _unclaimed(job_id)
        return
    attempt = _Attempt(row, token)
    entry = attempts.enter(job_id, token, attempt.number, _time_limit(row["type"]), RENEW_GRACE)
    try:
        _run_claimed(attempt)
    finally:
        attempts.leave(entry)
        if not attempt.ended:
            _hand_back(attempt)


def _claim(job_id: str, job_type: str | None, token: str) -> dict[str, Any] | None:
    """Claim fairly for a broker delivery, exactly `job_id` otherwise."""
    if job_type is None:
        return transitions.claim(job_id, token)
    queue = registry.get(job_type).queue
    message = CurrentMessage.get_current_message()
    ticket = message.message_id if message is not None and message.options.get("job") else None
    delivery = fair.claim_fair(job_id, job_type, queue, token, ticket)
    if delivery.paused:  # the job waits as it is; resume sends it a fresh message
        log.info("Job %s waits: queue %s is paused", job_id, queue)
        return _REDELIVERED
    if delivery.contended:  # other workers kept taking the due jobs first: try again shortly
        deliver_later()
        return _REDELIVERED
    if delivery.resend is not None:  # the named job keeps a live message of its own
        named, message_id, delay = delivery.resend
        _send(named, job_type, message_id, delay if delay > 0 else None)
    if delivery.row is not None and delivery.row["id"] != job_id:
        log.debug("Job %s runs before %s, whose message it took", delivery.row["id"], job_id)
    return delivery.row


def _time_limit(job_type: str) -> float:
    try:
        return float(registry.get(job_type).time_limit)
    except ValueError:
        return 0.0


def _unclaimed(job_id: str) -> None:
    """A delivery that claimed nothing: re-delay it if early, finish a pending cancel."""
    unclaimed = transitions.settle_unclaimed(job_id)
    if unclaimed.reason == "early":
        dispatch.send(job_id, unclaimed.job_type, unclaimed.message_id, unclaimed.delay_seconds)
        log.info("Job %s arrived %.1f s early; delayed again", job_id, unclaimed.delay_seconds)
    elif unclaimed.reason == "cancelled":
        remove_job_files(job_id)
        log.info("Job %s was cancelled before it started", job_id)
    else:
        log.info("Job %s: nothing to do (already taken, final or cancelled)", job_id)


def _run_claimed(attempt: _Attempt) -> None:
    row, job_id, number, token = attempt.row, attempt.job_id, attempt.number, attempt.token
    jt = registry.get(row["type"])
    ctx = JobContext(
        job_id=job_id,
        user_id=row["user_id"],
        params=dict(row["input_data"] or {}),
        attempt=number,
        out_dir=attempt_dir(job_id, number, create=jt.produces_file),
        progress=ProgressReporter(job_id, token, number),
    )
    try:
        result = jt.run(ctx)
    except JobCancelled as stopped:
        _cancel(job_id, token, number, stopped.detail, stopped.result)
        attempt.ended = True
        log.info("Job %s cancelled during attempt %d", job_id, number)
        return
    except ClaimLost:
        attempt.ended = True  # nothing to hand back; its files wait for the purge
        log.warning("Job %s: attempt %d lost its claim; its work is discarded", job_id, number)
        return
    except (Exception, TimeLimitExceeded) as exc:
        attempts.count("failed")
        outcome = _record_failure(attempt, jt, exc)
        attempt.ended = True
        if outcome == FAILED:
            raise  # the final failure also reaches Dramatiq, which dead-letters the message
        return
    if result and "file_name" in result:  # the row names the exact file this attempt kept
        result = {**result, "stored_as": f"{attempt_folder(number)}/{result['file_name']}"}
    completed = transitions.complete(job_id, token, number, result, jt.result_ttl)
    attempt.ended = True
    if completed:
        attempts.count("processed")
        log.info("Job %s (%s) completed on attempt %d", job_id, jt.name, number)
    elif transitions.is_cancel_requested(job_id) and _cancel(job_id, token, number):
        log.info("Job %s cancelled as it finished; its result is discarded", job_id)
    else:
        log.warning("Job %s: attempt %d finished after losing its claim", job_id, number)


def _cancel(
    job_id: str, token: str, number: int, detail: str = "", result: dict[str, Any] | None = None
) -> bool:
    """Stop at the owner's request: this attempt's files, then the row, then any leftovers.

    `detail` and `result` say how far work that keeps what it did got (an import's batches).
    """
    remove_attempt_files(job_id, number)
    if not transitions.cancel_running(job_id, token, number, detail, result):
        return False
    remove_job_files(job_id)  # final now: no attempt can complete it, older files are garbage
    return True


def _describe(exc: BaseException, jt: JobType) -> tuple[str, str, str, bool]:
    """(code, message, details, may retry) for an exception raised by a job."""
    if isinstance(exc, JobError):
        return exc.code, exc.message, exc.details, exc.retry
    if isinstance(exc, TimeLimitExceeded):
        return (
            TIMEOUT,
            N_("The attempt ran past the %(seconds)s s time limit.") % {"seconds": jt.time_limit},
            "",
            True,
        )
    title = "Report generation failed" if jt.error_code == GENERATION_FAILED else "Unexpected error"
    return jt.error_code, title, f"{type(exc).__name__}: {exc}"[:2000], True


def _record_failure(attempt: _Attempt, jt: JobType, exc: BaseException) -> str | None:
    """Put the failure on the row (retry, fail or cancel); returns the new status."""
    job_id, number, max_attempts = attempt.job_id, attempt.number, int(attempt.row["max_attempts"])
    code, message, details, may_retry = _describe(exc, jt)
    retry_in = None
    if may_retry and number < max_attempts:
        retry_in = jt.backoff_seconds(number) * random.uniform(0.9, 1.1)
    remove_attempt_files(job_id, number)  # its own folder: never another attempt's result
    outcome = transitions.fail_attempt(
        job_id, attempt.token, number, code=code, message=message, details=details,
        traceback="".join(tb.format_exception(exc)), retry_in=retry_in,
    )  # fmt: skip
    if outcome is None:
        log.warning("Job %s: attempt %d failed after losing its claim", job_id, number)
        return None
    if outcome.status == PENDING:
        _send(job_id, jt.name, outcome.message_id, retry_in)
        log.warning(
            "Job %s (%s) attempt %d of %d failed with %s, retrying in %.1f s: %s",
            job_id, jt.name, number, max_attempts, code, retry_in or 0, message,
        )  # fmt: skip
    elif outcome.status == FAILED:
        remove_job_files(job_id)
        log.error(
            "Job %s (%s) failed after %d attempt(s) with %s: %s %s",
            job_id, jt.name, number, code, message, details,
        )  # fmt: skip
    elif outcome.status == CANCELLED:
        remove_job_files(job_id)
        log.info("Job %s cancelled: its owner asked while attempt %d was failing", job_id, number)
    return outcome.status


def _hand_back(attempt: _Attempt) -> None:
    """The attempt ended with no outcome on the row: give the job back instead of holding it."""
    job_id, number = attempt.job_id, attempt.number
    try:
        outcome = transitions.hand_back(
            job_id, attempt.token, number, N_("It ended before recording how (see the worker log).")
        )
    except Exception:  # the database may be what failed: the lease, no longer renewed, expires
        log.exception("Job %s: attempt %d could not be handed back; recovery will", job_id, number)
        return
    if outcome is None:
        return
    log.warning("Job %s: attempt %d handed back; the job is %s", job_id, number, outcome.status)
    if outcome.status == PENDING and outcome.message_id:
        _send(job_id, attempt.row["type"], outcome.message_id, None)
    elif outcome.status in (FAILED, CANCELLED):
        remove_job_files(job_id)


def _send(job_id: str, job_type: str, message_id: str | None, delay: float | None) -> None:
    """Send the next attempt's message; if the broker is down, recovery sends it later."""
    if not message_id:
        return
    try:
        dispatch.send(job_id, job_type, message_id, delay)
    except (RedisError, OSError) as exc:
        log.warning("Job %s is pending again but not yet sent (%s); recovery will", job_id, exc)
