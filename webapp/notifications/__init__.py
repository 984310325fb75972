"""Emails about jobs: "your report is ready", sent by a worker, never by the request."""

from __future__ import annotations

import logging

import dramatiq

log = logging.getLogger("tamam.notifications")

# Job types whose owner is emailed when they complete.
NOTIFY_TYPES = frozenset({"sales_report", "orders_export"})
ACTOR = "notify_job_ready"


def job_completed(job_id: str, job_type: str) -> None:
    """Queue the "ready" email for a completed report or export; never raises into the runner."""
    if job_type not in NOTIFY_TYPES:
        return
    try:
        dramatiq.get_broker().get_actor(ACTOR).send(job_id)
    except Exception:  # the job is done either way; a lost email must not undo it
        log.exception("Job %s completed but its 'ready' email could not be queued", job_id)
