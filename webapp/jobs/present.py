"""A job in plain words: its label, parameters, timeline, ETA and failure, for the templates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

from webapp.engine.describe import describe_params, summary, type_label
from webapp.engine.errors import ERROR_CODES, GENERATION_FAILED, UNEXPECTED
from webapp.engine.links import download_url_if_available, file_name_of, result_expired
from webapp.engine.serialize import error_document
from webapp.models.job import FAILED, Job, JobEvent
from webapp.models.types import utcnow
from webapp.templating import exact_words, time_element

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
# Details the engine writes that say no more than their line's title ("Requested: Queued",
# "Finished: Done"): left out.
EMPTY_DETAILS = {"queued", "done"}
# What the tab title says for each status (processing shows its percentage instead).
TAB_WORDS = {"pending": "Waiting", "completed": "Completed", "failed": "Failed",
             "cancelled": "Cancelled"}  # fmt: skip


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
    """A <time> with the words of eta_words, then the exact time."""
    if moment is None:
        return Markup("")
    return time_element(moment, eta_words(moment), css="eta")


def duration_words(seconds: float) -> str:
    """'8 s', '2 min 5 s', '1 h 20 min', '3 d 4 h': a duration at a glance."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def clock_tag(moment: datetime | None) -> Markup:
    """<time> with the time of day, then the day and zone under it (app.js localises both)."""
    if moment is None:
        return Markup('<span class="muted">—</span>')
    at = moment.astimezone(UTC)
    iso = at.isoformat().replace("+00:00", "Z")
    return Markup(
        f'<time class="clock" datetime="{escape(iso)}" title="{escape(exact_words(at))}">'
        f'<span class="clock-time">{at:%H:%M}</span> '
        f'<small class="clock-day">{at.day} {at:%b %Y}, UTC</small></time>'
    )


# What row_version reads: a list poll selects only these to compare.
VERSION_COLUMNS = (Job.status, Job.progress, Job.message, Job.cancel_requested, Job.name,
                   Job.updated_at, Job.purged_at, Job.attempts)  # fmt: skip


def row_version(job: Any) -> str:
    """A short token that changes whenever anything a row or the live part shows changes.

    `job` is a Job or a row of VERSION_COLUMNS: both give the same token.
    """
    facts = (
        job.status,
        job.progress,
        job.message,
        job.cancel_requested,
        job.name,
        job.updated_at.isoformat() if job.updated_at else "",
        job.purged_at.isoformat() if job.purged_at else "",
        job.attempts,
    )
    return hashlib.blake2b(repr(facts).encode(), digest_size=6).hexdigest()


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a job's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str = ""
    code: str | None = None
    code_title: str = ""


def title_and_detail(title: str, detail: str) -> tuple[str, str]:
    """A timeline line's words said once: no detail that repeats or merely restates the title.

    'Requested' + 'Queued' -> 'Requested'; 'Cancelled' + 'Cancelled before it started' ->
    'Cancelled before it started'; 'Finished' + 'report.csv is ready' stays as it is.
    """
    plain = detail.strip()
    if not plain or plain.lower() in EMPTY_DETAILS or plain.lower() == title.lower():
        return title, ""
    if plain.lower().startswith(title.lower() + " "):
        return plain, ""  # the detail says the title and more: it becomes the title
    return title, plain


def timeline(events: list[JobEvent]) -> list[TimelineEntry]:
    """The job's events as lines: created, each attempt and its error, finished."""
    entries = []
    for event in events:
        kind_title = EVENT_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
        title, detail = title_and_detail(
            kind_title.format(attempt=event.attempt), event.detail or ""
        )
        code = event.error_code
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=event.kind,
                title=title,
                detail=detail,
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

    @property
    def title(self) -> str:
        """What the job is called: the owner's name for it, else its type."""
        return self.job.name or self.label

    @property
    def kind(self) -> str:
        """Under a named job's title, its type and summary; under an unnamed one, the summary."""
        if not self.job.name:
            return self.summary
        return f"{self.label} · {self.summary}" if self.summary else self.label

    @property
    def version(self) -> str:
        """The row's version token (see row_version)."""
        return row_version(self.job)

    @property
    def since(self) -> datetime | None:
        """When the current duration started: the request while waiting, the start while running."""
        job = self.job
        if job.status == "processing":
            return job.started_at or job.created_at
        return job.created_at if job.is_active else None

    def duration(self, now: datetime | None = None) -> str:
        """'Waiting 20 s', 'Running 1 min 5 s' (so far), 'Took 2 min' or 'Ended after 40 s'."""
        job = self.job
        if job.is_active:
            start = self.since or job.created_at
            verb = "Running" if job.status == "processing" else "Waiting"
            return f"{verb} {duration_words(((now or utcnow()) - start).total_seconds())}"
        end = job.completed_at or job.failed_at or job.cancelled_at or job.updated_at
        words = duration_words((end - job.created_at).total_seconds())
        return f"Took {words}" if job.status == "completed" else f"Ended after {words}"

    @property
    def note(self) -> str:
        """The engine's word under the bar while the job waits or runs; nothing once it ends.

        A final job's message ('Done', 'Failed', 'Cancelled') repeats its badge, and a cancel
        request is said once, by the status line or the row's result cell.
        """
        job = self.job
        return (job.message or "") if job.is_active and not job.cancel_requested else ""

    @property
    def tab_title(self) -> str:
        """The browser tab's title: '45 % · Sales report', 'Completed · Sales report'."""
        job = self.job
        if job.is_active and job.cancel_requested:
            words = "Stopping"
        elif job.status == "processing":
            words = f"{job.progress} %"
        else:
            words = TAB_WORDS.get(job.status, job.status.capitalize())
        return f"{words} · {self.label}"

    @property
    def ended(self) -> str:
        """What to announce when the job reaches a final state ('' while it waits or runs)."""
        job = self.job
        if job.is_active:
            return ""
        if job.status == "completed":
            ready = ": the file is ready to download" if self.download_url else ""
            return f"{self.label} completed{ready}."
        if job.status == FAILED and self.error:
            return f"{self.label} failed: {self.error['title']}."
        return f"{self.label} {job.status}."


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
