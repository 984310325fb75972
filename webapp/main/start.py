"""The home page's sections: running jobs, ready downloads, recent failures, each one query.

Every section reads the signed-in user's own jobs through idx_user_status (user_id, status,
created_at, id), newest first, and stops after SECTION_SIZE rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import url_for
from sqlalchemy import func, select

from webapp.engine.describe import summary, type_label
from webapp.engine.errors import (
    ERROR_CODES,
    GENERATION_FAILED,
    INVALID_PARAMS,
    NO_DATA,
    TIMEOUT,
    UNEXPECTED,
    WORKER_LOST,
)
from webapp.engine.links import download_url_if_available
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models.job import ACTIVE_STATUSES, COMPLETED, FAILED, Job
from webapp.models.types import utcnow
from webapp.models.user import User

SECTION_SIZE = 5
FAILURE_DAYS = 7
TRY_AGAIN = N_("Run it again; if it fails again, tell an admin.")
# What to do about each error code, in words (codes not listed get TRY_AGAIN); the page
# translates them.
WHAT_TO_DO = {
    NO_DATA: N_("Choose a period with orders."),
    INVALID_PARAMS: N_("Request it again from the form."),
    UNEXPECTED: TRY_AGAIN,
    TIMEOUT: TRY_AGAIN,
    WORKER_LOST: TRY_AGAIN,
    GENERATION_FAILED: TRY_AGAIN,
}
# Codes where running the same parameters again cannot help: the form is offered instead.
NEEDS_NEW_PARAMS = {NO_DATA, INVALID_PARAMS}
FORMS = {"sales_report": "reports.new_report", "orders_export": "reports.new_export"}
# The form fields a new request keeps from the failed one (the period is what changes).
KEPT = {"sales_report": ("format",), "orders_export": ("status", "region", "format")}


@dataclass(frozen=True)
class Ready:
    """A completed job whose file can be downloaded now."""

    job: Job
    label: str
    summary: str
    download_url: str


@dataclass(frozen=True)
class Failure:
    """A recent failure: what failed, its error's title, what to do, and where to do it."""

    job: Job
    label: str
    summary: str
    code: str
    title: str
    what_to_do: str
    form_url: str | None  # the form to ask again, when running it again cannot help

    @property
    def form_label(self) -> str:
        """The words on the button to the form (the page translates them)."""
        return N_("Choose another period") if self.code == NO_DATA else N_("Open the form")


def _own(user: User, status: str) -> Any:
    """The user's jobs in `status`, newest first: a range of idx_user_status, in its order."""
    return (
        select(Job)
        .where(Job.user_id == user.id, Job.status == status)
        .order_by(Job.created_at.desc(), Job.id.desc())
    )


def running(user: User, size: int = SECTION_SIZE) -> list[Job]:
    """The user's jobs waiting or running, newest first.

    One read per status, each `size` rows at most, merged: with `status IN (...)` SQLite walks
    every job of the user through idx_user_created to spare itself a sort.
    """
    jobs = [
        job
        for status in ACTIVE_STATUSES
        for job in db.session.scalars(_own(user, status).limit(size))
    ]
    jobs.sort(key=lambda job: (job.created_at, job.id), reverse=True)
    return jobs[:size]


def ready_downloads(user: User, size: int = SECTION_SIZE) -> list[Ready]:
    """The user's completed jobs whose file is still there, newest first."""
    query = _own(user, COMPLETED).where(Job.purged_at.is_(None), Job.expires_at > utcnow())
    ready = []
    for job in db.session.scalars(query.limit(size)):
        url = download_url_if_available(job)
        if url is not None:
            ready.append(Ready(job, type_label(job.type), summary(job.input_data or {}), url))
    return ready


def _form_url(job: Job) -> str | None:
    endpoint = FORMS.get(job.type)
    if endpoint is None or job.error_code not in NEEDS_NEW_PARAMS:
        return None
    params = job.input_data or {}
    kept = {name: params[name] for name in KEPT[job.type] if params.get(name)}
    return url_for(endpoint, **kept)


def recent_failures(user: User, size: int = SECTION_SIZE) -> list[Failure]:
    """The user's jobs that failed in the last FAILURE_DAYS days, newest first."""
    since = utcnow() - timedelta(days=FAILURE_DAYS)
    # Through coalesce (a failed row always has failed_at), so that SQLite, which has no
    # statistics, reads the user's range of idx_user_status rather than every recent failure
    # of everyone through the ops page's idx_status_failed.
    query = _own(user, FAILED).where(func.coalesce(Job.failed_at, Job.created_at) >= since)
    failures = []
    for job in db.session.scalars(query.limit(size)):
        code = job.error_code or UNEXPECTED
        failures.append(
            Failure(
                job=job,
                label=type_label(job.type),
                summary=summary(job.input_data or {}),
                code=code,
                title=ERROR_CODES.get(code, (N_("Error"), ""))[0],
                what_to_do=WHAT_TO_DO.get(code, TRY_AGAIN),
                form_url=_form_url(job),
            )
        )
    return failures
