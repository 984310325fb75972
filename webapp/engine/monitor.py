"""Queue backlog figures read straight from Redis (alerts: webapp.monitoring.alerts)."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from webapp.engine.registry import QUEUES


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
