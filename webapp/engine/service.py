"""Submit, find, cancel and retry jobs: what views, the API, the CLI and tests call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import Float, Row, bindparam, insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.functions import FunctionElement

from webapp.engine import dispatch, registry, requests, transitions
from webapp.engine.clock import db_time
from webapp.engine.errors import JobStateError, ParamError
from webapp.engine.storage import copy_inputs, remove_job_files
from webapp.extensions import db
from webapp.models.job import PENDING, Job, JobEvent, new_job_id
from webapp.models.types import UTCDateTime, utcnow
from webapp.models.user import User

log = logging.getLogger("tamam.jobs")

MAX_DELAY = timedelta(days=7)


NAME_MAX = 120


def clean_name(name: str | None) -> str | None:
    """A job's label as stored: trimmed, None when empty; ParamError when too long."""
    text = " ".join((name or "").split())
    if len(text) > NAME_MAX:
        raise ParamError("name", f"A name can be at most {NAME_MAX} characters long.")
    return text or None


def submit(
    user: User,
    job_type: str,
    params: Mapping[str, Any],
    *,
    delay: timedelta | None = None,
    name: str | None = None,
    with_rows: Callable[[Job], Iterable[Any]] | None = None,
) -> Job:
    """Validate, insert and commit the row, then send a message carrying only its id.

    `with_rows(job)` gives rows to commit with the job, before any worker can see it (the
    API's webhook callback and idempotency key).
    """
    row = submit_row(user.id, job_type, params, delay=delay, name=name, with_rows=with_rows)
    return _persistent(row.id)


class _db_time_param(db_time):
    """db_time with its seconds from a named parameter, for a statement built once."""

    inherit_cache = True

    def __init__(self, name: str) -> None:
        FunctionElement.__init__(self, bindparam(name, type_=Float()))


class _created_at(FunctionElement[datetime]):
    """A new job's created_at: the database's now; on SQLite, whose clock counts milliseconds,
    a millisecond after the newest job made within the last second when there is one, so that
    jobs keep the order they were submitted in (the engine runs them by created_at, then id,
    and ids are random). SQLite has one writer at a time, so the newest job read inside the
    INSERT is the newest there is: a range read of idx_created, no round trip. PostgreSQL's
    clock counts microseconds."""

    type = UTCDateTime()
    inherit_cache = True
    name = "job_created_at"


@compiles(_created_at, "sqlite")
def _created_at_sqlite(element: _created_at, compiler: Any, **kw: Any) -> str:
    now, later, soon = (compiler.process(db_time(s), **kw) for s in (0.0, 0.0, 1.0))
    return (
        "(SELECT coalesce(strftime('%Y-%m-%d %H:%M:%f', max(created_at), '+0.001 seconds')"
        f" || '000', {later}) FROM jobs WHERE created_at >= {now} AND created_at < {soon})"
    )


@compiles(_created_at)
def _created_at_default(element: _created_at, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(db_time(), **kw))


_jobs, _events = Job.__table__, JobEvent.__table__
_SET = ("id", "user_id", "type", "queue", "status", "progress", "message", "input_data", "name",
        "attempts", "max_attempts", "cancel_requested", "message_id")  # fmt: skip
# Built once (compiled once, no cache key to work out per request): the job's row, read back
# whole by RETURNING, and its "created" event; every time is the database's.
_INSERT_JOB = (
    insert(_jobs)
    .values({name: bindparam(name) for name in _SET})
    .values(created_at=_created_at(), available_at=_db_time_param("wait"), updated_at=db_time(),
            expires_at=_db_time_param("expires_in"))
    .returning(*_jobs.c)
)  # fmt: skip
_INSERT_CREATED = insert(_events).values(
    job_id=bindparam("job_id"), kind="created", attempt=0, detail=bindparam("detail"),
    at=db_time(),
)  # fmt: skip


def submit_row(
    owner_id: int,
    job_type: str,
    params: Mapping[str, Any],
    *,
    delay: timedelta | None = None,
    name: str | None = None,
    with_rows: Callable[[Job], Iterable[Any]] | None = None,
) -> Row[Any]:
    """Like submit, for the user `owner_id`; the job's row as inserted (RETURNING), no object.

    Two INSERTs (the job, its "created" event) and one COMMIT, as Core statements: no unit of
    work to plan. The row holds what was written, with the database's times, for a caller that
    answers at once without reading it again (the API's 202).
    """
    jt = registry.get(job_type)
    clean = jt.validate(params)
    label = clean_name(name)
    if delay is not None and not timedelta(0) <= delay <= MAX_DELAY:
        raise ValueError("The delay must be between 0 seconds and 7 days.")
    now = utcnow()  # only for the id's date; every stored time is the database's
    wait = (delay or timedelta(0)).total_seconds()
    values: dict[str, Any] = {
        "id": new_job_id(now),
        "user_id": owner_id,
        "type": jt.name,
        "queue": jt.queue,
        "status": PENDING,
        "progress": 0,
        "message": "Scheduled" if delay else "Waiting for a worker",
        "input_data": clean,
        "name": label,
        "attempts": 0,
        "max_attempts": jt.max_attempts,
        "cancel_requested": False,
        "message_id": transitions.new_message_id(),
    }
    times = {"wait": round(wait, 3), "expires_in": round(wait + jt.result_ttl, 3)}
    row = db.session.execute(_INSERT_JOB, {**values, **times}).one()
    detail = f"Scheduled to start in {_plain_seconds(wait)}" if delay else "Queued"
    db.session.execute(_INSERT_CREATED, {"job_id": row.id, "detail": detail})
    if with_rows is not None:
        db.session.add_all(list(with_rows(Job(**values))))  # flushed after the job's row
    db.session.commit()
    # Committed first: a worker that gets the message always finds the row. If this process
    # dies before the send, or Redis is down, the recovery pass finds the row and sends it.
    _send_or_defer(row.id, jt.name, row.message_id, wait or None)
    return row


def _persistent(job_id: str) -> Job:
    """The session's Job for a row just committed, its columns left to load on first use."""
    job = Job(id=job_id)
    make_transient_to_detached(job)  # every other column expired, as after any commit
    db.session.add(job)
    return job


def _plain_seconds(seconds: float) -> str:
    """'90 s', '5 min', '2 h 30 min' for a delay."""
    if seconds < 120:
        return f"{seconds:g} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _send_or_defer(job_id: str, job_type: str, message_id: str, delay: float | None = None) -> None:
    """Send now; if the broker is unreachable, leave it to recovery (the row is committed)."""
    try:
        dispatch.send(job_id, job_type, message_id, delay)
    except (RedisError, OSError) as exc:
        log.warning("Job %s is saved but not yet sent (%s); recovery will send it", job_id, exc)


def visible_jobs(user: User) -> Any:
    """A select() of the jobs `user` may see: their own, or every job for admins."""
    query = select(Job)
    if not user.is_admin:
        query = query.where(Job.user_id == user.id)
    return query


def get_job_for(user: User, job_id: str) -> Job | None:
    """The job if `user` may see it (owner or admin), else None, so callers answer 404."""
    if not job_id or len(job_id) > 50:
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or (job.user_id != user.id and not user.is_admin):
        return None
    return job


def get_job(job_id: str) -> Job | None:
    """The job by id, fresh from the database (CLI and admin tools)."""
    return db.session.get(Job, job_id, populate_existing=True)


def cancel_job(job: Job) -> str:
    """Cancel a pending job at once, or ask a running one to stop at its next progress call."""
    outcome = requests.cancel(job.id)
    if outcome is None:
        raise JobStateError(f"The job is already {job.status}; there is nothing to cancel.")
    if outcome == "cancelled":
        remove_job_files(job.id)
    db.session.refresh(job)
    return outcome


def retry_job(job: Job) -> Job:
    """Queue a failed job again with its type's attempts on top of those it used."""
    jt = registry.get(job.type)
    message_id = requests.retry_failed(job.id, jt.max_attempts)
    if message_id is None:
        raise JobStateError(f"Only failed jobs can be retried; this one is {job.status}.")
    _send_or_defer(job.id, jt.name, message_id)
    db.session.refresh(job)
    return job


def run_again(user: User, job: Job) -> Job:
    """A new job of the same type, parameters, name and input files, owned by `user`."""

    def inputs(fresh: Job) -> list[Any]:
        copy_inputs(job.id, fresh.id)  # before the commit: a worker always finds them
        return []

    return submit(user, job.type, job.input_data, name=job.name, with_rows=inputs)
