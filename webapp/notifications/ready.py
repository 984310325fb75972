"""The "your report is ready" email: an outbox row written with the job's completion.

`queue_ready()` runs inside the transaction that marks the job completed (the engine calls it
through `webapp.notifications.job_ended`), so a process that dies after that commit loses
nothing: the row is there and the outbox (or its recovery) sends it. The email itself is
composed when it is sent, with a fresh signed link and the owner's choice at that moment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import Connection, select

from webapp.engine import registry
from webapp.engine.describe import summary, type_label
from webapp.engine.errors import UnknownJobType
from webapp.engine.links import absolute_url, link_ttl, result_file, signed_download_url
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, ngettext, normalise
from webapp.i18n import gettext as _
from webapp.models.job import Job
from webapp.models.user import User
from webapp.notifications import outbox
from webapp.notifications.mail import send_mail

log = logging.getLogger("tamam.notifications")

TEMPLATE = "job_ready"


def duration_words(seconds: int) -> str:
    """3600 -> '1 hour', 5400 -> '90 minutes' (in the language being rendered)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    minutes = max(1, seconds // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def language_of(user: User | None) -> str:
    """The language a staff member reads their emails in (their profile's; else English)."""
    return normalise(getattr(user, "language", None)) or DEFAULT_LANGUAGE


def ready_subject(label: str) -> str:
    """'Your sales report is ready', in the language being rendered."""
    return _("Your %(label)s is ready", label=label.lower())


def key_for(job_id: str) -> str:
    """The outbox key of a job's "ready" email: one per job, ever."""
    return f"ready:{job_id}"


def queue_ready(conn: Connection, job_id: str) -> int | None:
    """In the completion's transaction: the owner's email row, if the type and owner want one."""
    row = conn.execute(
        select(
            Job.type,
            Job.result_data,
            User.email,
            User.email_notifications,
            User.disabled,
            User.language,
        )
        .join(User, User.id == Job.user_id)
        .where(Job.id == job_id)
    ).one_or_none()
    if row is None or not (row.result_data or {}).get("file_name"):
        return None
    try:
        wanted = registry.get(row.type).notify_owner
    except UnknownJobType:
        wanted = False
    if not wanted or not row.email_notifications or row.disabled:
        return None
    with force_locale(normalise(row.language) or DEFAULT_LANGUAGE):
        subject = ready_subject(type_label(row.type))
    body = {"template": TEMPLATE, "job_id": job_id}
    outbox_id = outbox.add(conn, key_for(job_id), "email", row.email, subject, body)
    outbox.dispatch_after_commit(conn, [outbox_id])
    return outbox_id


@dataclass(frozen=True)
class Composed:
    """An email ready to go: to, subject, plain text and HTML."""

    to: str
    subject: str
    text: str
    html: str


def compose(job_id: str) -> Composed | str:
    """The email for a completed job, or why there is none now (opted out, file gone...)."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or result_file(job) is None:
        log.info("Job %s: no file to announce (missing, not completed or expired)", job_id)
        return "no file to announce (the job is gone, not completed or its file expired)"
    owner = job.user
    if not owner.email_notifications or owner.disabled:
        log.info("Job %s: %s does not get job emails", job_id, owner.email)
        return "the owner turned job emails off"
    with force_locale(language_of(owner)):
        return _compose(job, owner)


def _compose(job: Job, owner: User) -> Composed:
    label = type_label(job.type)
    context = {
        "user": owner,
        "job": job,
        "label": label,
        "summary": summary(job.input_data or {}),
        "download_url": signed_download_url(job, external=True),
        "job_url": absolute_url("jobs.show", job_id=job.id),
        "profile_url": absolute_url("auth.profile"),
        "link_lifetime": duration_words(link_ttl()),
    }
    return Composed(
        to=owner.email,
        subject=ready_subject(label),
        text=render_template("email/job_ready.txt", **context),
        html=render_template("email/job_ready.html", **context),
    )


def send_job_ready(job_id: str, message_key: str | None = None) -> bool:
    """Email the owner of a completed job its link now; False when skipped (opted out, gone)."""
    composed = compose(job_id)
    if isinstance(composed, str):
        return False
    send_mail(composed.to, composed.subject, composed.text, message_key, html=composed.html)
    return True
