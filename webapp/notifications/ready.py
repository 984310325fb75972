"""The "your report is ready" email, with a fresh signed download link."""

from __future__ import annotations

import logging

from flask import render_template

from webapp.engine.describe import summary, type_label
from webapp.engine.links import absolute_url, link_ttl, result_file, signed_download_url
from webapp.extensions import db
from webapp.models.job import Job
from webapp.notifications.mail import send_mail

log = logging.getLogger("tamam.notifications")


def duration_words(seconds: int) -> str:
    """3600 -> '1 hour', 5400 -> '90 minutes'."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'' if hours == 1 else 's'}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def send_job_ready(job_id: str) -> bool:
    """Email the owner of a completed job its link; False when skipped (opted out, gone)."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or result_file(job) is None:
        log.info("Job %s: no file to announce (missing, not completed or expired)", job_id)
        return False
    owner = job.user
    if not owner.email_notifications or owner.disabled:
        log.info("Job %s: %s does not get job emails", job_id, owner.email)
        return False
    label = type_label(job.type)
    text = render_template(
        "email/job_ready.txt",
        user=owner,
        job=job,
        label=label,
        summary=summary(job.input_data or {}),
        download_url=signed_download_url(job, external=True),
        job_url=absolute_url("jobs.show", job_id=job.id),
        profile_url=absolute_url("auth.profile"),
        link_lifetime=duration_words(link_ttl()),
    )
    send_mail(owner.email, f"Your {label.lower()} is ready", text)
    return True
