"""Emails about jobs: "your report is ready", sent by a worker, never by the request."""

from __future__ import annotations

import logging

import dramatiq

from webapp.engine.registry import JobType

log = logging.getLogger("tamam.notifications")

ACTOR = "notify_job_ready"


def job_completed(job_id: str, job_type: JobType) -> None:
    """Queue the "ready" email when the type says so; never raises into the runner."""
    if not job_type.notify_owner:
        return
    try:
        dramatiq.get_broker().get_actor(ACTOR).send(job_id)
    except Exception:  # the job is done either way; a lost email must not undo it
        log.exception("Job %s completed but its 'ready' email could not be queued", job_id)
