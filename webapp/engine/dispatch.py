"""Send "job X is ready to run" to the broker; the message carries only the job id."""

from __future__ import annotations

from datetime import datetime

import dramatiq
from dramatiq import Message

from webapp.engine import registry
from webapp.models.types import utcnow


def build_message(job_id: str, job_type: str, message_id: str) -> Message:  # type: ignore[type-arg]
    """The Dramatiq message for a job, with the message id stored on the job row."""
    jt = registry.get(job_type)
    return Message(
        queue_name=jt.queue,
        actor_name=jt.actor_name,
        args=(job_id,),
        kwargs={},
        options={"job": True},
        message_id=message_id,
    )


def send(job_id: str, job_type: str, message_id: str, available_at: datetime | None = None) -> None:
    """Enqueue the job's message, delayed until `available_at` when that is in the future."""
    delay_ms = None
    if available_at is not None:
        delay_ms = int((available_at - utcnow()).total_seconds() * 1000)
        delay_ms = delay_ms if delay_ms > 0 else None
    dramatiq.get_broker().enqueue(build_message(job_id, job_type, message_id), delay=delay_ms)


def message_present(queue: str, message_id: str) -> bool | None:
    """Is the message still held by Redis (ready, in flight or delayed)? None if unknowable."""
    broker = dramatiq.get_broker()
    client = getattr(broker, "client", None)
    if client is None:
        return None
    ns = getattr(broker, "namespace", "dramatiq")
    with client.pipeline() as pipe:
        pipe.hexists(f"{ns}:{queue}.msgs", message_id)
        pipe.hexists(f"{ns}:{queue}.DQ.msgs", message_id)
        return any(pipe.execute())
