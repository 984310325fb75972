"""A job in plain words: its label, parameters, timeline, ETA and failure, for the templates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_date
from markupsafe import Markup, escape

from webapp.engine.describe import describe_params, summary, type_label
from webapp.engine.errors import ERROR_CODES, GENERATION_FAILED, UNEXPECTED
from webapp.engine.links import download_url_if_available, file_name_of, result_expired
from webapp.engine.serialize import error_document
from webapp.i18n import N_, current_language, ngettext, text_direction
from webapp.i18n import gettext as _
from webapp.jobs.messages import say, show
from webapp.models.job import FAILED, Job, JobEvent
from webapp.models.types import utcnow
from webapp.templating import exact_words, time_element

# Codes whose details are a raw exception: shown to admins only.
RAW_DETAILS = {UNEXPECTED, GENERATION_FAILED}
# In English, as webapp/jobs/messages.py knows them: a line is translated once it is built.
EVENT_TITLES = {
    "created": "Requested",
    "started": "Attempt %(attempt)s started",
    "attempt_failed": "Attempt %(attempt)s failed",
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
TAB_WORDS = {"pending": N_("Waiting"), "completed": N_("Completed"), "failed": N_("Failed"),
             "cancelled": N_("Cancelled")}  # fmt: skip
# A status as its badge says it.
STATUS_WORDS = {"pending": N_("Pending"), "processing": N_("Processing"),
                "completed": N_("Completed"), "failed": N_("Failed"),
                "cancelled": N_("Cancelled")}  # fmt: skip


def status_word(status: str) -> str:
    """'Pending', 'Completed'... in the page's language (the badge, the filter's choices)."""
    word = STATUS_WORDS.get(status)
    return _(word) if word else status.capitalize()


def isolate(value: object) -> Markup:
    """User data or a code inside <bdi> on a right-to-left page, so it keeps its own direction;
    on a left-to-right page as it is (the English pages' markup is unchanged)."""
    if text_direction() == "rtl":
        return Markup("<bdi>%s</bdi>") % value
    return escape(value)


# What an admin did to a job, as the audit log records it (webapp/monitoring/audit.py).
AUDIT_ACTIONS = {"cancel": N_("Cancel"), "run_again": N_("Run again"), "retry": N_("Retry"),
                 "discard": N_("Discard")}  # fmt: skip


def audit_action(action: str) -> str:
    """'Run again' for run_again, in the page's language."""
    words = AUDIT_ACTIONS.get(action)
    return _(words) if words else action.replace("_", " ").capitalize()


def error_title(code: str | None) -> str:
    """An error code's title in the page's language ('' for an unknown code)."""
    title = ERROR_CODES.get(code or "", ("", ""))[0]
    return _(title) if title else ""


def error_meaning(code: str | None) -> str:
    """What an error code means and what to do, in the page's language."""
    meaning = ERROR_CODES.get(code or "", ("", ""))[1]
    return _(meaning) if meaning else ""


def eta_words(moment: datetime, now: datetime | None = None) -> str:
    """'about 2 minutes left', 'less than a minute left', 'any moment now'."""
    seconds = (moment - (now or utcnow())).total_seconds()
    if seconds <= 5:
        return _("any moment now")
    if seconds < 60:
        return _("less than a minute left")
    if seconds < 3600:
        minutes = round(seconds / 60)
        return ngettext("about %(num)s minute left", "about %(num)s minutes left", minutes)
    hours = round(seconds / 3600)
    return ngettext("about %(num)s hour left", "about %(num)s hours left", hours)


def eta_tag(moment: datetime | None) -> Markup:
    """A <time> with the words of eta_words, then the exact time."""
    if moment is None:
        return Markup("")
    return time_element(moment, eta_words(moment), css="eta")


def duration_words(seconds: float) -> str:
    """'8 s', '2 min 5 s', '1 h 20 min', '3 d 4 h': a duration at a glance."""
    whole = max(0, int(seconds))
    if whole < 60:
        return _("%(s)s s", s=whole)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        if secs and minutes < 10:
            return _("%(min)s min %(s)s s", min=minutes, s=secs)
        return _("%(min)s min", min=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s h %(min)s min", h=hours, min=minutes) if minutes else _("%(h)s h", h=hours)
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s h", d=days, h=hours) if hours else _("%(d)s d", d=days)


def clock_tag(moment: datetime | None) -> Markup:
    """<time> with the time of day, then the day and zone under it (app.js localises both)."""
    if moment is None:
        return Markup('<span class="muted">—</span>')
    at = moment.astimezone(UTC)
    iso = at.isoformat().replace("+00:00", "Z")
    day = _("%(day)s, UTC", day=format_date(at, "d MMM y"))
    return Markup(
        f'<time class="clock" datetime="{escape(iso)}" title="{escape(exact_words(at))}">'
        f'<span class="clock-time">{at:%H:%M}</span> '
        f'<small class="clock-day">{escape(day)}</small></time>'
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
    title: Markup
    detail: Markup = field(default_factory=Markup)
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
            kind_title % {"attempt": event.attempt} if "%(" in kind_title else kind_title,
            event.detail or "",
        )  # in English, as stored: then each part in the page's language
        code = event.error_code
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=event.kind,
                title=show(title),
                detail=show(detail),
                code=code,
                code_title=error_title(code),
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
            words = duration_words(((now or utcnow()) - start).total_seconds())
            if job.status == "processing":
                return _("Running %(duration)s", duration=words)
            return _("Waiting %(duration)s", duration=words)
        end = job.completed_at or job.failed_at or job.cancelled_at or job.updated_at
        words = duration_words((end - job.created_at).total_seconds())
        if job.status == "completed":
            return _("Took %(duration)s", duration=words)
        return _("Ended after %(duration)s", duration=words)

    @property
    def note(self) -> str:
        """The engine's word under the bar while the job waits or runs; nothing once it ends.

        A final job's message ('Done', 'Failed', 'Cancelled') repeats its badge, and a cancel
        request is said once, by the status line or the row's result cell.
        """
        job = self.job
        return say(job.message) if job.is_active and not job.cancel_requested else ""

    @property
    def note_html(self) -> Markup:
        """The note as HTML: names in <bdi>, a message no catalog knows marked as data."""
        job = self.job
        return show(job.message) if job.is_active and not job.cancel_requested else Markup("")

    @staticmethod
    def place_words(position: int) -> str:
        """'2nd in line' (in English; in Arabic, the number and the words)."""
        ordinal = str(position)
        if current_language() == "en":
            tens = position % 100 in (11, 12, 13)
            suffix = "th" if tens else {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
            ordinal = f"{position}{suffix}"
        return _("%(ordinal)s in line", ordinal=ordinal)

    @property
    def status_word(self) -> str:
        """The job's status as its badge says it."""
        return status_word(self.job.status)

    @property
    def tab_title(self) -> str:
        """The browser tab's title: '45 % · Sales report', 'Completed · Sales report'."""
        job = self.job
        if job.is_active and job.cancel_requested:
            words = _("Stopping")
        elif job.status == "processing":
            words = _("%(percent)s %%", percent=job.progress)
        else:
            word = TAB_WORDS.get(job.status)
            words = _(word) if word else job.status.capitalize()
        return f"{words} · {self.label}"

    @property
    def ended(self) -> str:
        """What to announce when the job reaches a final state ('' while it waits or runs)."""
        job = self.job
        if job.is_active:
            return ""
        if job.status == "completed":
            if self.download_url:
                return _("%(job)s completed: the file is ready to download.", job=self.label)
            return _("%(job)s completed.", job=self.label)
        if job.status == FAILED and self.error:
            return _("%(job)s failed: %(error)s.", job=self.label, error=self.error["title"])
        if job.status == "cancelled":
            return _("%(job)s cancelled.", job=self.label)
        return f"{self.label} {job.status}."


def job_view(job: Job, *, admin: bool = False) -> JobView:
    """Build the view of a job; admins also get the error details and traceback."""
    error = None
    if job.status == FAILED:
        error = error_document(job, include_traceback=admin)
        if not admin and error["code"] in RAW_DETAILS:
            error["details"] = ""
        # The page's words: the title and its meaning translated, the stored message shown as
        # the catalog knows it (the API's document keeps the English).
        said_by_title = error["message"] == error["title"]  # both in English, as stored
        error["title"] = error_title(error["code"]) or _("Error")
        error["meaning"] = error_meaning(error["code"])
        error["message_html"] = Markup("") if said_by_title else show(error["message"])
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
