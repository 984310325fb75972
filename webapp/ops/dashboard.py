"""What /ops reads, each part from an indexed query or a bounded Redis call, never a scan of jobs.

`live()` is the part the page refreshes every few seconds (alerts, queues, workers);
`chart_set()` the charts (from the per-minute roll-ups); `alert_history()` and the audit log
(webapp.monitoring.audit) the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from webapp.engine.describe import type_label
from webapp.engine.pauses import Pause, paused_queues
from webapp.engine.reclaim import held_by
from webapp.engine.recovery import stale_after
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.i18n import gettext as _
from webapp.models.job import Job, WorkerHeartbeat
from webapp.models.ops import Alert
from webapp.monitoring import stats
from webapp.monitoring.status import QueueStatus, ops_status
from webapp.ops.charts import Chart, counts_chart, durations_chart
from webapp.ops.present import Estimate, alert_title, clear_estimate, silence_words

HISTORY = 20  # alerts in the history list


@dataclass
class QueueRow:
    """One line of the queues table."""

    figures: QueueStatus
    pause: Pause | None
    estimate: Estimate
    known: bool  # a queue the app declares (only those can be paused)

    @property
    def name(self) -> str:
        """The queue's name."""
        return self.figures.queue


@dataclass(frozen=True)
class RunningJob:
    """A job a worker holds right now, for a link to its page."""

    id: str
    label: str


@dataclass
class WorkerRow:
    """One worker process, from its heartbeat row."""

    beat: WorkerHeartbeat
    jobs: list[RunningJob] = field(default_factory=list)
    silence: str = ""  # stale workers: 'no heartbeat for 42 s'

    @property
    def queues(self) -> list[str]:
        """The queues it serves."""
        return [q for q in (self.beat.queues or "").split(",") if q]


@dataclass
class Live:
    """The refreshed part of /ops at one moment."""

    at: datetime
    alerts: list[tuple[Alert, str]]  # open alerts with their titles
    queues: list[QueueRow]
    workers: list[WorkerRow]
    stale: list[WorkerRow]

    @property
    def threads(self) -> int:
        """Threads of every live worker process."""
        return sum(int(row.beat.threads or 0) for row in self.workers)


def open_alerts() -> list[tuple[Alert, str]]:
    """Alerts not yet resolved, oldest first, each with its title."""
    rows = db.session.scalars(
        select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.opened_at, Alert.id)
    ).all()
    return [(alert, alert_title(alert.kind)) for alert in rows]


def alert_history(limit: int = HISTORY) -> list[tuple[Alert, str]]:
    """The latest alerts, open or resolved, newest first (idx_alerts_opened)."""
    rows = db.session.scalars(
        select(Alert).order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit)
    ).all()
    return [(alert, alert_title(alert.kind)) for alert in rows]


def running_jobs(beat: WorkerHeartbeat) -> list[RunningJob]:
    """The jobs one worker process holds: at most one per thread, by the processing rows."""
    rows = db.session.execute(
        select(Job.id, Job.type, Job.name)
        .where(held_by(beat.id))
        .order_by(Job.started_at, Job.id)
        .limit(max(1, int(beat.threads or 0)))
    ).all()
    return [RunningJob(row.id, row.name or type_label(row.type)) for row in rows]


def workers(now: datetime) -> tuple[list[WorkerRow], list[WorkerRow]]:
    """Live and stale worker processes (one small table: a row per process)."""
    beats = db.session.scalars(
        select(WorkerHeartbeat).order_by(WorkerHeartbeat.host, WorkerHeartbeat.pid)
    ).all()
    live, stale = [], []
    for beat in beats:
        if (now - beat.last_seen_at).total_seconds() <= stale_after():
            live.append(WorkerRow(beat, running_jobs(beat)))
        else:
            stale.append(WorkerRow(beat, silence=silence_words(now, beat.last_seen_at)))
    return live, stale


def live() -> Live:
    """Alerts, queues and workers, read once for one render."""
    status = ops_status()
    pauses = paused_queues()
    runtimes = stats.mean_runtimes()
    queues = [
        QueueRow(
            figures=figures,
            pause=pauses.get(figures.queue),
            estimate=clear_estimate(figures, runtimes.get(figures.queue), figures.queue in pauses),
            known=figures.queue in QUEUES,
        )
        for figures in status.queues
    ]
    live_workers, stale = workers(status.at)
    return Live(status.at, open_alerts(), queues, live_workers, stale)


@dataclass(frozen=True)
class Period:
    """One time span of the charts: its two charts and its points for the table."""

    key: str
    heading: str
    step_words: str
    points: Sequence[Any]
    counts: Chart
    durations: Chart


def _period(key: str, heading: str, step: timedelta, points: Sequence[Any]) -> Period:
    if key == "hour":
        labels = (_("60 min ago"), "45", "30", "15", _("now"))
        unit, per_unit = _("minute"), _("Finished jobs per minute")
    else:
        labels = (_("24 h ago"), "18", "12", "6", _("now"))
        unit, per_unit = _("quarter hour"), _("Finished jobs per quarter hour")
    return Period(
        key=key,
        heading=heading,
        step_words=unit,
        points=points,
        counts=counts_chart(f"chart-{key}-counts", per_unit, points, step, labels),
        durations=durations_chart(
            f"chart-{key}-durations", _("Wait and runtime"), points, step, labels
        ),
    )


def chart_set() -> list[Period]:
    """The last hour by minute and the last day by quarter hour (at most 1,440 roll-up rows)."""
    return [
        _period("hour", _("Last hour, minute by minute"), timedelta(minutes=1), stats.last_hour()),
        _period("day", _("Last day, by quarter hour"), timedelta(minutes=15), stats.last_day()),
    ]
