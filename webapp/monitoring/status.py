"""One function computes the machinery's state; the CLI and the health checks all call it.

Every figure comes from an indexed query or a bounded Redis call: per queue, the broker's
ready, delayed and dead-lettered messages, the database's pending and processing rows, the
measured age of the oldest due job, and the live workers and threads serving the queue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from webapp.engine.clock import database_now, db_time
from webapp.engine.monitor import backlog
from webapp.engine.recovery import stale_after
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.models.job import PENDING, PROCESSING, Job, WorkerHeartbeat
from webapp.models.ops import QueuePause


@dataclass
class QueueStatus:
    """One queue's figures, and what is wrong with it, if anything."""

    queue: str
    ready: int = 0  # messages ready or in flight (Redis)
    delayed: int = 0  # delayed or retrying (Redis)
    dead: int = 0  # dead-lettered (Redis)
    pending: int = 0  # rows waiting (database), due or not
    processing: int = 0
    oldest_pending_seconds: float | None = None  # measured: since the oldest pending job was due
    workers: int = 0  # live worker processes serving the queue
    threads: int = 0
    paused: bool = False  # an admin paused it: waiting is expected, not a problem
    problems: list[str] = field(default_factory=list)


@dataclass
class OpsStatus:
    """The whole machinery at one moment."""

    at: datetime
    queues: list[QueueStatus]
    live_workers: int
    stale_workers: int

    @property
    def healthy(self) -> bool:
        """True when no queue has a problem."""
        return not any(queue.problems for queue in self.queues)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for `flask ops status --json`."""
        body = asdict(self)
        body["at"] = self.at.isoformat().replace("+00:00", "Z")
        body["healthy"] = self.healthy
        return body


def ops_status() -> OpsStatus:
    """Read every figure once and judge each queue against the alert thresholds."""
    now = database_now(db.session.connection())
    queues = {item.queue: QueueStatus(item.queue, item.ready, item.delayed, item.dead)
              for item in backlog()}  # fmt: skip
    counts = db.session.execute(
        select(Job.queue, Job.status, func.count())
        .where(Job.status.in_((PENDING, PROCESSING)))
        .group_by(Job.queue, Job.status)
    ).all()
    for queue, status, count in counts:
        figures = queues.setdefault(queue, QueueStatus(queue))
        setattr(figures, status, int(count))
    paused = set(db.session.scalars(select(QueuePause.queue)))
    for name, figures in queues.items():
        figures.paused = name in paused
        oldest = db.session.scalar(  # waiting since due: a retry or a delay counts from then
            select(func.min(Job.available_at)).where(
                Job.queue == name, Job.status == PENDING, Job.available_at <= db_time()
            )  # idx_queue_status_available
        )
        if oldest is not None:
            figures.oldest_pending_seconds = round((now - oldest).total_seconds(), 1)
    beats = db.session.execute(
        select(WorkerHeartbeat.queues, WorkerHeartbeat.threads, WorkerHeartbeat.last_seen_at)
    ).all()
    live = [b for b in beats if (now - b.last_seen_at).total_seconds() <= stale_after()]
    for beat in live:
        for name in (beat.queues or "").split(","):
            if name in queues:
                queues[name].workers += 1
                queues[name].threads += int(beat.threads or 0)
    ordered = [queues[name] for name in QUEUES if name in queues]
    ordered += [queues[name] for name in sorted(queues) if name not in QUEUES]
    for figures in ordered:
        figures.problems = _problems(figures)
    db.session.rollback()
    return OpsStatus(now, ordered, len(live), len(beats) - len(live))


def backlog_threshold(queue: str) -> int:
    """The queue's own threshold from ALERT_BACKLOG_THRESHOLDS, else the default."""
    config = current_app.config
    for part in str(config.get("ALERT_BACKLOG_THRESHOLDS", "")).split(","):
        name, _, value = part.partition("=")
        if name.strip() == queue and value.strip().isdigit():
            return int(value)
    return int(config["ALERT_BACKLOG_THRESHOLD"])


def _problems(figures: QueueStatus) -> list[str]:
    """What an admin should look at, in words; empty when the queue is fine."""
    config = current_app.config
    problems = []
    threshold = backlog_threshold(figures.queue)
    if figures.ready > threshold:
        problems.append(f"{figures.ready} messages waiting, over {threshold}")
    if figures.paused:
        return problems
    waited = figures.oldest_pending_seconds
    if waited is not None and waited > int(config["ALERT_OLDEST_PENDING_SECONDS"]):
        problems.append(f"the oldest job has waited {waited:.0f} s")
    due = figures.oldest_pending_seconds is not None
    if (due or figures.processing) and figures.workers == 0:
        problems.append("work is waiting and no live worker serves this queue")
    return problems
