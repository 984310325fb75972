"""Estimated completion: recent durations of the same type, scaled by size, plus the backlog.

A job page polls once a second, so the typical runtime of each type is read from the last
completions (an indexed query) at most once per CACHE_SECONDS per process, and only when an
estimate needs it. The queue's figures every poll shares (who waits and since when, the threads
serving it, the jobs running in it) are read at most once per QUEUE_CACHE_SECONDS per process;
a waiting job that is its owner's oldest then needs no query of its own.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, bindparam, func, select

from webapp.engine import registry
from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.models.job import COMPLETED, PENDING, PROCESSING, Job, WorkerHeartbeat
from webapp.models.types import utcnow

SAMPLE = 20
CACHE_SECONDS = 30.0

_lock = threading.Lock()
_rates: dict[str, tuple[float, list[float]]] = {}  # type -> (read at, seconds per size unit)


def forget() -> None:
    """Drop the cached runtimes and queue figures (tests, or after a bulk change)."""
    with _lock:
        _rates.clear()
        _waiting.clear()
        _slots.clear()
        _busy.clear()


def recent_rates(job_type: str) -> list[float]:
    """Seconds per size unit (or per job) of the type's last completions, cached briefly."""
    now = time.monotonic()
    with _lock:
        cached = _rates.get(job_type)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    rows = db.session.execute(
        select(Job.started_at, Job.completed_at, Job.input_data)
        .where(Job.type == job_type, Job.status == COMPLETED)  # idx_type_status_completed
        .order_by(Job.completed_at.desc())
        .limit(SAMPLE)
    ).all()
    jt = registry.get(job_type)
    rates = []
    for started, completed, params in rows:
        if started is None or completed is None:
            continue
        seconds = max(0.0, (completed - started).total_seconds())
        rates.append(seconds / max(1, jt.size_hint(params or {})) if jt.size_hint else seconds)
    if rates:  # no history yet is cheap to ask again, and the first completion then shows
        with _lock:
            _rates[job_type] = (now, rates)
    return rates


def typical_seconds(job_type: str, size: int | None = None) -> float | None:
    """Median seconds per job of this type over its recent completions, scaled to `size`."""
    rates = recent_rates(job_type)
    if not rates:
        return None
    median = statistics.median(rates)
    jt = registry.get(job_type)
    return median * size if (jt.size_hint and size) else median


QUEUE_CACHE_SECONDS = 2.0
_waiting: dict[tuple[str, str], tuple[float, dict[int, tuple[int, datetime]]]] = {}
_slots: dict[str, tuple[float, int]] = {}
_busy: dict[str, tuple[float, int]] = {}


def _waiting_by_user(queue: str, job_type: str) -> dict[int, tuple[int, datetime]]:
    """user -> (due pending jobs of the type, oldest created_at), cached briefly per process."""
    now, key = time.monotonic(), (queue, job_type)
    with _lock:
        cached = _waiting.get(key)
    if cached is not None and now - cached[0] < QUEUE_CACHE_SECONDS:
        return cached[1]
    rows = db.session.execute(
        select(Job.user_id, func.count(), func.min(Job.created_at))
        .where(Job.queue == queue, Job.status == PENDING, Job.type == job_type)
        .where(Job.cancel_requested.is_(False), Job.available_at <= db_time())
        .group_by(Job.user_id)
    ).all()
    waiting = {user_id: (int(count), oldest) for user_id, count, oldest in rows}
    with _lock:
        _waiting[key] = (now, waiting)
    return waiting


def serving_threads(queue: str) -> int:
    """Worker threads of live workers that serve `queue` (at least 1), cached briefly."""
    now = time.monotonic()
    with _lock:
        cached = _slots.get(queue)
    if cached is not None and now - cached[0] < QUEUE_CACHE_SECONDS:
        return cached[1]
    stale = 3 * float(current_app.config["WORKER_HEARTBEAT_SECONDS"])
    rows = db.session.execute(
        select(WorkerHeartbeat.threads, WorkerHeartbeat.queues).where(
            WorkerHeartbeat.last_seen_at >= db_time(-stale)
        )
    ).all()
    threads = sum(n for n, queues in rows if queue in (queues or "").split(",")) or 1
    with _lock:
        _slots[queue] = (now, threads)
    return threads


def queue_position(job: Job | Row[Any]) -> int | None:
    """Where a waiting job stands: 1 starts next. None unless it is pending and due.

    Requests of one user run oldest first and each waiting user gets a turn before anyone
    gets a second (webapp.engine.fair), so the jobs ahead are the owner's older ones plus,
    from every other user, as many as the owner has ahead (and one more if theirs is older).
    """
    if job.status != PENDING or job.cancel_requested or job.available_at > utcnow():
        return None
    waiting = _waiting_by_user(job.queue, job.type)
    own_ahead = _own_ahead(job, waiting.get(job.user_id))
    ahead = own_ahead
    for user_id, (count, oldest) in waiting.items():
        if user_id != job.user_id:
            ahead += min(count, own_ahead + (1 if oldest < job.created_at else 0))
    return ahead + 1


def _own_ahead(job: Job | Row[Any], owners: tuple[int, datetime] | None) -> int:
    """The owner's due jobs of the job's queue and type that wait since before it.

    Zero, without a query, when the queue's figures show it as its owner's oldest waiting job
    (the usual poll); otherwise, and for a job newer than the figures, they are counted.
    """
    if owners is not None and job.created_at <= owners[1]:
        return 0
    params = {"user_id": job.user_id, "queue": job.queue, "type": job.type,
              "created_at": job.created_at}  # fmt: skip
    return db.session.scalar(_OWN_AHEAD, params) or 0


# Built once (a POST counts on every request): the owner's due waiting jobs older than one.
_OWN_AHEAD = (
    select(func.count())
    .select_from(Job)
    .where(Job.user_id == bindparam("user_id"), Job.status == PENDING)  # idx_user_status
    .where(Job.queue == bindparam("queue"), Job.type == bindparam("type"))
    .where(Job.cancel_requested.is_(False), Job.available_at <= db_time())
    .where(Job.created_at < bindparam("created_at"))
)


def _running(queue: str) -> int:
    """Jobs running in `queue`, cached briefly (every estimate in the queue shares it)."""
    now = time.monotonic()
    with _lock:
        cached = _busy.get(queue)
    if cached is not None and now - cached[0] < QUEUE_CACHE_SECONDS:
        return cached[1]
    running = (
        db.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.queue == queue, Job.status == PROCESSING)  # idx_queue_status_created
        )
        or 0
    )
    with _lock:
        _busy[queue] = (now, running)
    return running


def estimate_completion(job: Job | Row[Any], now: datetime | None = None) -> datetime | None:
    """When the job will probably finish (an estimate); None for final jobs or with no history.

    `job` is a Job or a row of the jobs table with the columns the estimate reads.

    A waiting job waits for the work ahead of it: its place in line beyond the free threads,
    in rounds of the threads serving its queue, each round a typical job of its type.
    """
    now = now or utcnow()
    if job.status not in (PENDING, PROCESSING):
        return None
    if job.status == PROCESSING and job.started_at and job.progress >= 5:
        elapsed = (now - job.started_at).total_seconds()  # its own pace: no query at all
        return job.started_at + timedelta(seconds=elapsed * 100 / job.progress)
    jt = registry.get(job.type)
    own = typical_seconds(job.type, jt.size_hint(job.input_data) if jt.size_hint else None)
    if own is None:
        return None
    if job.status == PROCESSING and job.started_at:
        elapsed = (now - job.started_at).total_seconds()
        return job.started_at + timedelta(seconds=max(own, elapsed))
    position = queue_position(job)
    wait = 0.0
    if position is not None:
        slots = serving_threads(job.queue)
        free = max(0, slots - _running(job.queue))
        ahead = position - 1
        if ahead >= free:
            wait = ((ahead - free) // slots + 1) * (typical_seconds(job.type) or own)
    start = max(now, job.available_at)
    return start + timedelta(seconds=wait + own)
