"""Every actor. Actors are thin: they hand the job id to the runner, which does the rest.

Retries are counted on the job row, not by Dramatiq (which does not count a crashed worker's
redelivery), so every job actor has max_retries=0: the runner re-sends a delayed message for the
next attempt itself, and a job's final failure is dead-lettered.
"""

from __future__ import annotations

import dramatiq

from webapp.engine import registry
from webapp.engine.registry import JobType
from webapp.engine.runner import run_job


def declare_job_actor(job_type: JobType) -> dramatiq.Actor:  # type: ignore[type-arg]
    """Declare (once) the actor that runs jobs of `job_type` on its queue with its time limit."""
    broker = dramatiq.get_broker()
    if job_type.actor_name in broker.get_declared_actors():
        return broker.get_actor(job_type.actor_name)

    def run(job_id: str) -> None:
        run_job(job_id, job_type.name)  # a ticket for the next fair job of this type

    run.__name__ = job_type.actor_name
    return dramatiq.actor(
        run,
        actor_name=job_type.actor_name,
        queue_name=job_type.queue,
        max_retries=0,
        time_limit=job_type.time_limit * 1000,
    )


for _job_type in registry.all_types():
    declare_job_actor(_job_type)


@dramatiq.actor(
    queue_name="notifications",
    max_retries=5,
    min_backoff=30_000,
    max_backoff=30 * 60_000,
    time_limit=2 * 60_000,
    max_age=24 * 3_600_000,
)
def notify_job_ready(job_id: str) -> None:
    """The "ready" email as queued before it went through the outbox: kept so that messages
    already in Redis at an upgrade are still delivered (new ones are outbox rows)."""
    from webapp.notifications.ready import send_job_ready

    send_job_ready(job_id)


@dramatiq.actor(queue_name="default", max_retries=0, time_limit=10_000)
def ping(token: str, queue: str) -> None:
    """Answer an admin's ping (sent to every queue, whatever this actor's own queue)."""
    from webapp.engine.attempts import process_key
    from webapp.monitoring.ping import answer

    answer(token, queue, process_key())


@dramatiq.actor(queue_name="notifications", max_retries=0, time_limit=2 * 60_000)
def deliver_outbox(outbox_id: int) -> None:
    """Send one outbox delivery (any channel); it retries itself with backoff."""
    from webapp.notifications.outbox import deliver

    deliver(outbox_id)
