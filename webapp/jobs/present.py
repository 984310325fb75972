"""A job in plain words: its label, parameters, timeline, ETA and failure, for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from webapp.engine.describe import describe_params, summary, type_label
from webapp.engine.errors import ERROR_CODES, GENERATION_FAILED, UNEXPECTED
from webapp.engine.links import download_url_if_available, file_name_of, result_expired
from webapp.engine.serialize import error_document
from webapp.models.job import FAILED, Job, JobEvent
from webapp.models.types import utcnow
from webapp.templating import time_element

# Codes whose details are a raw exception: shown to admins only.
RAW_DETAILS = {UNEXPECTED, GENERATION_FAILED}
EVENT_TITLES = {
    "created": "Requested",
    "started": "Attempt {attempt} started",
    "attempt_failed": "Attempt {attempt} failed",
    "completed": "Finished",
    "failed": "Failed",
    "cancel_requested": "Cancel requested",
    "cancelled": "Cancelled",
    "retried": "Queued again",
    "expired": "Result removed",
}


def eta_words(moment: datetime, now: datetime | None = None) -> str:
    """'about 2 minutes left', 'less than a minute left', 'any moment now'."""
    seconds = (moment - (now or utcnow())).total_seconds()
    if seconds <= 5:
        return "any moment now"
    if seconds < 60:
        return "less than a minute left"
    if seconds < 3600:
        minutes = round(seconds / 60)
        return f"about {minutes} minute{'' if minutes == 1 else 's'} left"
    hours = round(seconds / 3600)
    return f"about {hours} hour{'' if hours == 1 else 's'} left"


def eta_tag(moment: datetime | None) -> Markup:
    """A <time> with the words of eta_words and the exact time on hover."""
    if moment is None:
        return Markup("")
    return time_element(moment, eta_words(moment), css="eta")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a job's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str = ""
    code: str | None = None
    code_title: str = ""


def timeline(events: list[JobEvent]) -> list[TimelineEntry]:
    """The job's events as lines: created, each attempt and its error, finished."""
    entries = []
    for event in events:
        title = EVENT_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
        code = event.error_code
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=event.kind,
                title=title.format(attempt=event.attempt),
                detail=event.detail or "",
                code=code,
                code_title=ERROR_CODES.get(code, ("", ""))[0] if code else "",
            )
        )
    return entries


@dataclass
class JobView:
    """What the row and the job page show about a job."""

    job: Job
    label: str
    summary: str
    download_url: str | None
    expired: bool
    file_name: str | None
    error: dict[str, Any] | None = None
    params: list[tuple[str, str]] = field(default_factory=list)


def job_view(job: Job, *, admin: bool = False) -> JobView:
    """Build the view of a job; admins also get the error details and traceback."""
    error = None
    if job.status == FAILED:
        error = error_document(job, include_traceback=admin)
        if not admin and error["code"] in RAW_DETAILS:
            error["details"] = ""
    return JobView(
        job=job,
        label=type_label(job.type),
        summary=summary(job.input_data or {}),
        download_url=download_url_if_available(job),
        expired=result_expired(job),
        file_name=file_name_of(job),
        error=error,
        params=describe_params(job.input_data or {}),
    )
