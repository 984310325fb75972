"""Estimated completion: recent durations of the same type, scaled by size, plus the backlog."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.engine import registry
from webapp.extensions import db
from webapp.models.job import COMPLETED, PENDING, PROCESSING, Job, WorkerHeartbeat
from webapp.models.types import utcnow

SAMPLE = 20


def typical_seconds(job_type: str, size: int | None = None) -> float | None:
    """Median seconds per job of this type over its recent completions, scaled to `size`."""
    rows = db.session.execute(
        select(Job.started_at, Job.completed_at, Job.input_data)
        .where(Job.type == job_type, Job.status == COMPLETED, Job.started_at.is_not(None))
        .order_by(Job.completed_at.desc())
        .limit(SAMPLE)
    ).all()
    if not rows:
        return None
    jt = registry.get(job_type)
    rates = []
    for started, completed, params in rows:
        seconds = max(0.0, (completed - started).total_seconds())
        if jt.size_hint and size:
            rates.append(seconds / max(1, jt.size_hint(params or {})))
        else:
            rates.append(seconds)
    median = statistics.median(rates)
    return median * size if (jt.size_hint and size) else median


def estimate_completion(job: Job, now: datetime | None = None) -> datetime | None:
    """When the job will probably finish; None for final jobs or without any history."""
    now = now or utcnow()
    if job.status not in (PENDING, PROCESSING):
        return None
    jt = registry.get(job.type)
    size = jt.size_hint(job.input_data) if jt.size_hint else None
    own = typical_seconds(job.type, size)
    if job.status == PROCESSING and job.started_at:
        elapsed = (now - job.started_at).total_seconds()
        if job.progress >= 5:
            return job.started_at + timedelta(seconds=elapsed * 100 / job.progress)
        return None if own is None else job.started_at + timedelta(seconds=max(own, elapsed))
    if own is None:
        return None
    ahead = (
        db.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.queue == job.queue, Job.status.in_((PENDING, PROCESSING)))
            .where(Job.created_at < job.created_at)
        )
        or 0
    )
    threads = db.session.scalar(select(func.sum(WorkerHeartbeat.threads))) or 1
    start = max(now, job.available_at)
    return start + timedelta(seconds=own * (1 + ahead / max(1, threads)))
