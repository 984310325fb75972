"""Estimated completion: recent durations of the same type, scaled by size, plus the backlog.

A job page polls once a second, so the typical runtime of each type is read from the last
completions (an indexed query) at most once per CACHE_SECONDS per process, and only when an
estimate needs it.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.engine import registry
from webapp.extensions import db
from webapp.models.job import COMPLETED, PENDING, PROCESSING, Job, WorkerHeartbeat
from webapp.models.types import utcnow

SAMPLE = 20
CACHE_SECONDS = 30.0

_lock = threading.Lock()
_rates: dict[str, tuple[float, list[float]]] = {}  # type -> (read at, seconds per size unit)


def forget() -> None:
    """Drop the cached runtimes (tests, or after a bulk change)."""
    with _lock:
        _rates.clear()


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


def estimate_completion(job: Job, now: datetime | None = None) -> datetime | None:
    """When the job will probably finish; None for final jobs or without any history."""
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
    ahead = (
        db.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.queue == job.queue, Job.status.in_((PENDING, PROCESSING)))
            .where(Job.created_at < job.created_at)  # idx_queue_status_created
        )
        or 0
    )
    threads = db.session.scalar(select(func.sum(WorkerHeartbeat.threads))) or 1
    start = max(now, job.available_at)
    return start + timedelta(seconds=own * (1 + ahead / max(1, threads)))
