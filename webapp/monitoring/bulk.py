"""Retry or discard failed jobs: one, a selection, or everything matching a filter.

`apply` does a list of jobs at once, with an audit entry per job it changed; the views call it
for up to a page. Beyond a page the work is an `ops_bulk` job (declared in
webapp.engine.catalog) whose `run_bulk` goes through the matches in batches, says how far it
is ("Retried 120 of 480"), and stops between batches when cancelled.

A retry re-sends from the job row (same id, attempts counted), never from the dead letters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select

from webapp.engine import dispatch, registry, requests, transitions
from webapp.engine.errors import (
    INVALID_PARAMS,
    JobCancelled,
    JobError,
    ParamError,
    UnknownJobType,
)
from webapp.engine.registry import JobContext
from webapp.engine.storage import remove_job_files
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.job import FAILED, Job
from webapp.models.ops import AuditEvent
from webapp.models.user import User
from webapp.monitoring.audit import client_address
from webapp.monitoring.failed import FailedFilter, count_matching, matching_ids
from webapp.monitoring.keyset import MICROSECOND, Cursor
from webapp.query import BadQuery

log = logging.getLogger("tamam.ops")

ACTIONS = ("retry", "discard")
DONE_WORDS = {"retry": "Retried", "discard": "Discarded"}
# The bulk job's progress and timeline lines, stored in English; the job's page says them in
# the reader's language (webapp/jobs/messages.py knows these patterns).
HOW_FAR = {
    "retry": N_("Retried %(done)s of %(total)s"),
    "discard": N_("Discarded %(done)s of %(total)s"),
}
STOPPED = N_("Stopped when asked: %(detail)s")
# Each reason a job was skipped, said after the words before it: (one, many).
SKIPPED = (
    (N_("%(detail)s; %(done)s was no longer failed"),
     N_("%(detail)s; %(done)s were no longer failed")),
    (N_("%(detail)s; %(done)s was already discarded"),
     N_("%(detail)s; %(done)s were already discarded")),
    (N_("%(detail)s; %(done)s was not found"), N_("%(detail)s; %(done)s were not found")),
    (N_("%(detail)s; %(done)s has a job type this version does not know"),
     N_("%(detail)s; %(done)s have a job type this version does not know")),
)  # fmt: skip
BATCH = 50
ADDRESS_MAX = 64


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@dataclass
class Outcome:
    """What a retry or discard of several jobs did, job by job."""

    action: str
    done: list[str] = field(default_factory=list)
    not_failed: int = 0  # no longer failed when its turn came
    discarded: int = 0  # a discard of a job already discarded
    missing: int = 0  # no job has that id
    unknown_type: int = 0  # a retry of a type this version does not declare

    @property
    def skipped(self) -> int:
        """Jobs asked for but left as they were."""
        return self.not_failed + self.discarded + self.missing + self.unknown_type

    def add(self, other: Outcome) -> None:
        """Count another batch's outcome in."""
        self.done += other.done
        self.not_failed += other.not_failed
        self.discarded += other.discarded
        self.missing += other.missing
        self.unknown_type += other.unknown_type

    def words(self, total: int | None = None) -> str:
        """'Retried 3 jobs; 1 was no longer failed', or 'Retried 3 of 4' when total is given."""
        verb = DONE_WORDS[self.action]
        done = len(self.done)
        if total is not None:
            words = HOW_FAR[self.action] % {"done": done, "total": total}
        else:
            words = f"{verb} {_count(done, 'job', 'jobs')}" if done else f"{verb} no jobs"
        reasons = (self.not_failed, self.discarded, self.missing, self.unknown_type)
        for number, (one, many) in zip(reasons, SKIPPED, strict=True):
            if number:
                words = (one if number == 1 else many) % {"detail": words, "done": number}
        return words

    def as_result(self) -> dict[str, Any]:
        """The figures, as the bulk job's result."""
        return {"action": self.action, "done": len(self.done), "not_failed": self.not_failed,
                "discarded": self.discarded, "missing": self.missing,
                "unknown_type": self.unknown_type}  # fmt: skip


def _retry(job_id: str, job_type: str) -> bool | None:
    """failed -> pending with the type's attempts on top, then its message; None: unknown type."""
    try:
        jt = registry.get(job_type)
    except UnknownJobType:
        return None
    message_id = requests.retry_failed(job_id, jt.max_attempts)
    if message_id is None:
        return False
    try:
        dispatch.send(job_id, jt.name, message_id)
    except (RedisError, OSError) as exc:  # the row is pending: recovery sends it
        log.warning("Job %s is queued again but not yet sent (%s); recovery will", job_id, exc)
    return True


def _discard(job_id: str) -> bool:
    """Off the failed list, row kept, files removed."""
    if not requests.discard(job_id):
        return False
    remove_job_files(job_id)
    return True


def apply(
    action: str,
    ids: Iterable[str],
    actor: User,
    *,
    detail: str = "",
    address: str | None = None,
) -> Outcome:
    """Retry or discard each job in `ids` that is failed; count the others by reason.

    Each job changed gets an audit entry (action, target_kind "job"), with `detail` and the
    address of the request (or `address`, for work done in the background).
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}")
    wanted = list(dict.fromkeys(ids))
    rows = {
        row.id: row
        for row in db.session.execute(
            select(Job.id, Job.type, Job.status, Job.discarded_at).where(Job.id.in_(wanted))
        )
    }
    db.session.rollback()  # nothing held open while each job's own transaction runs
    outcome = Outcome(action)
    where = client_address() if address is None else address[:ADDRESS_MAX]
    words = detail or f"{DONE_WORDS[action]} from the failed list"
    for job_id in wanted:
        row = rows.get(job_id)
        if row is None:
            outcome.missing += 1
            continue
        changed = _retry(job_id, row.type) if action == "retry" else _discard(job_id)
        if changed is None:
            outcome.unknown_type += 1
        elif not changed:
            if action == "discard" and row.status == FAILED and row.discarded_at is not None:
                outcome.discarded += 1
            else:
                outcome.not_failed += 1
        else:
            outcome.done.append(job_id)
            db.session.add(_entry(actor, action, job_id, words, where))
    db.session.commit()
    return outcome


def _entry(actor: User, action: str, job_id: str, detail: str, address: str) -> AuditEvent:
    """An audit entry as webapp.monitoring.audit.record writes it, committed with its batch."""
    return AuditEvent(actor_id=actor.id, actor_email=actor.email, action=action,
                      target_kind="job", target_id=job_id[:80], detail=detail[:2000],
                      address=address)  # fmt: skip


def validate_bulk(raw: Mapping[str, Any]) -> dict[str, Any]:
    """ops_bulk parameters: action (retry | discard), filter (the failed list's query string)
    and, optionally, requested_from (the admin's address, for the audit entries)."""
    unknown = sorted(set(raw) - {"action", "filter", "requested_from"})
    if unknown:
        raise ParamError(unknown[0], f"ops_bulk does not take a parameter called {unknown[0]!r}.")
    action = raw.get("action")
    if action not in ACTIONS:
        raise ParamError("action", "action must be 'retry' or 'discard'.")
    text = raw.get("filter", "")
    if not isinstance(text, str):
        raise ParamError("filter", "filter must be the failed list's query string.")
    try:
        failed = FailedFilter.from_query(text)
    except BadQuery as exc:
        raise ParamError("filter", f"filter: {exc}") from None
    clean: dict[str, Any] = {"action": action, "filter": failed.query_string()}
    address = raw.get("requested_from", "")
    if not isinstance(address, str) or len(address) > ADDRESS_MAX or not address.isprintable():
        raise ParamError("requested_from", "requested_from must be an address.")
    if address:
        clean["requested_from"] = address
    return clean


def run_bulk(ctx: JobContext) -> dict[str, Any]:
    """Retry or discard every job that matched the filter when the admin asked, in batches.

    Jobs that fail after the request are left alone (they are newer than the job itself), so
    the work ends even while jobs keep failing. A cancel is honoured between batches.
    """
    action = ctx.params["action"]
    failed = FailedFilter.from_query(ctx.params["filter"])
    asked = db.session.scalar(select(Job.created_at).where(Job.id == ctx.job_id))
    actor = db.session.get(User, ctx.user_id)
    if asked is None or actor is None or not actor.is_admin:  # however it was submitted
        raise JobError(INVALID_PARAMS, "Only an admin's job can retry or discard in bulk.",
                       retry=False)  # fmt: skip
    position = Cursor(asked + MICROSECOND, "")  # everything that had failed when asked
    total = count_matching(failed, before=position)
    verb = DONE_WORDS[action]
    detail = f"{verb} with {failed.scope()} (background job {ctx.job_id})"
    outcome = Outcome(action)
    ctx.progress(0, HOW_FAR[action] % {"done": 0, "total": total})
    while True:
        if transitions.is_cancel_requested(ctx.job_id):
            _note(ctx.job_id, STOPPED % {"detail": outcome.words(total)})
            raise JobCancelled(ctx.job_id)
        batch = matching_ids(failed, position, BATCH)
        if not batch:
            break
        outcome.add(apply(action, [p.job_id for p in batch], actor, detail=detail,
                          address=ctx.params.get("requested_from", "")))  # fmt: skip
        position = batch[-1]
        percent = min(99, (len(outcome.done) + outcome.skipped) * 100 // max(total, 1))
        ctx.progress(percent, HOW_FAR[action] % {"done": len(outcome.done), "total": total})
    _note(ctx.job_id, outcome.words(total))
    return {**outcome.as_result(), "total": total}


def _note(job_id: str, words: str) -> None:
    """The outcome on the job's timeline, where its page shows it."""
    with db.engine.begin() as conn:
        transitions.event(conn, job_id, "outcome", 0, words)
