"""Send "job X is ready to run" to the broker; the message carries only the job id."""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq
from dramatiq import Message

from webapp.engine import faults, registry


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


def send(job_id: str, job_type: str, message_id: str, delay: float | None = None) -> None:
    """Enqueue the job's message, `delay` seconds from now when that is positive."""
    faults.hit(faults.KILL_BEFORE_SEND)  # off unless TAMAM_FAULTS: the soak's commit-send gap
    delay_ms = int(delay * 1000) if delay is not None and delay > 0 else None
    dramatiq.get_broker().enqueue(build_message(job_id, job_type, message_id), delay=delay_ms)


def messages_present(messages: Sequence[tuple[str, str]]) -> list[bool] | None:
    """For each (queue, message id): does the broker still hold it? None if unknowable."""
    holds = getattr(dramatiq.get_broker(), "holds_messages", None)
    return None if holds is None else list(holds(messages))


def message_present(queue: str, message_id: str) -> bool | None:
    """Is one message still held by the broker (ready, in flight or delayed)?"""
    found = messages_present([(queue, message_id)])
    return None if found is None else found[0]
