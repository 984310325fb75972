"""Queue backlog figures read straight from Redis, and the backlog alert."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dramatiq
from flask import current_app

from webapp.engine.registry import QUEUES

log = logging.getLogger("tamam.monitor")


@dataclass
class QueueBacklog:
    """Messages in one queue: ready to run (incl. in flight), delayed or retrying, dead."""

    queue: str
    ready: int
    delayed: int
    dead: int


def backlog() -> list[QueueBacklog]:
    """Backlog per queue, read by the broker from its own keys (StubBroker: its queues)."""
    broker = dramatiq.get_broker()
    counts = getattr(broker, "queue_counts", None)
    if counts is None:  # StubBroker
        return [
            QueueBacklog(q, broker.queues[q].qsize() if q in broker.queues else 0, 0, 0)
            for q in QUEUES
        ]
    return [
        QueueBacklog(queue, *figures) for queue, figures in zip(QUEUES, counts(QUEUES), strict=True)
    ]


def check_backlog() -> list[QueueBacklog]:
    """Log a WARNING for each queue whose ready backlog is over ALERT_BACKLOG_THRESHOLD."""
    threshold = int(current_app.config["ALERT_BACKLOG_THRESHOLD"])
    over = [b for b in backlog() if b.ready > threshold]
    for item in over:
        log.warning(
            "Queue backlog detected: %s has %d messages waiting (threshold %d)",
            item.queue, item.ready, threshold,
        )  # fmt: skip
    return over
