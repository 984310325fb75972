"""The dashboard's figures in words: durations, memory, silence and the time to clear a queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_decimal
from markupsafe import Markup

from webapp.i18n import N_, current_language, ngettext
from webapp.i18n import gettext as _
from webapp.jobs.present import duration_words
from webapp.monitoring import alert_words as alert_words_in
from webapp.monitoring.bulk import Outcome
from webapp.monitoring.ping import GIVE_UP_SECONDS, PingResult
from webapp.monitoring.status import QueueStatus

MIB = 1024 * 1024
NONE = "—"


def stored_message(text: str | None) -> str:
    """A job's stored (English) error message in the page's language where it is a known one
    (webapp/jobs/messages.py), else as stored."""
    from webapp.jobs.messages import say

    return say(text)


def bdi(text: object) -> Markup:
    """User data (a queue, a host, an email) isolated from the words around it (in Arabic:
    English pages keep their markup as it was)."""
    if current_language() == "en":
        return Markup.escape(text)
    return Markup("<bdi>{}</bdi>").format(text)


def seconds_words(seconds: float | None) -> str:
    """A measured duration: '40 ms', '4.2 s', '2 min 5 s'; '—' when there is none."""
    if seconds is None:
        return NONE
    if seconds < 1:
        return _("%(ms)s ms", ms=f"{seconds * 1000:.0f}")
    if seconds < 10:
        return _("%(s)s s", s=format_decimal(round(seconds, 1), format="0.0"))
    return duration_words(seconds)


def memory_words(size: int | None) -> str:
    """Resident memory in MiB, '—' when the worker does not report it."""
    if size is None:
        return NONE
    mib = size / MIB
    figure = format_decimal(round(mib, 1), format="0.0") if mib < 10 else f"{mib:.0f}"
    return _("%(n)s MiB", n=figure)


def silence_words(now: datetime, last_seen: datetime) -> str:
    """How long a worker has been silent: 'no heartbeat for 42 s'."""
    return _("no heartbeat for %(time)s", time=duration_words((now - last_seen).total_seconds()))


def backlog_of(figures: QueueStatus) -> int:
    """Jobs still to run on a queue: pending rows, or ready messages when Redis holds more.

    Every pending job has a message in Redis, so the two are not added: that would count each
    job twice. Ready messages include those being worked on and messages without a row (pings).
    """
    return max(figures.pending, figures.ready)


@dataclass(frozen=True)
class Estimate:
    """The time a queue needs to clear its backlog; `seconds` is None with the reason in words."""

    seconds: float | None
    words: str


def clear_estimate(figures: QueueStatus, mean_runtime: float | None, paused: bool) -> Estimate:
    """Backlog times mean runtime (last hour) over the live threads serving it, or why not."""
    backlog = backlog_of(figures)
    if backlog == 0:
        return Estimate(0.0, _("nothing waiting"))
    if paused:
        return Estimate(None, _("— paused"))
    if figures.threads == 0:
        return Estimate(None, _("— no live worker thread serves it"))
    if mean_runtime is None:
        return Estimate(None, _("— no runtime history in the last hour"))
    seconds = backlog * mean_runtime / figures.threads
    if seconds < 60:
        return Estimate(seconds, _("under a minute"))
    return Estimate(seconds, _("about %(time)s", time=duration_words(seconds)))


def sentence(text: str) -> str:
    """The text with its first letter capitalised and the rest as it was."""
    return text[:1].upper() + text[1:]


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 job', '12 jobs'; '2 processes' when told the plural."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def resumed_words(queue: str, sent: int, batch: int) -> Markup:
    """The flash after a resume: how many waiting jobs were handed to the workers at once."""
    name = bdi(queue)  # escaped: the words around it are ours
    if sent == 0:
        return Markup(
            _("Queue %(queue)s resumed; no waiting job needed sending again.", queue=name)
        )
    if sent >= batch:
        return Markup(
            ngettext(
                "Queue %(queue)s resumed; %(num)s waiting job sent. The rest follow within a"
                " minute.",
                "Queue %(queue)s resumed; %(num)s waiting jobs sent. The rest follow within a"
                " minute.",
                sent,
                queue=name,
            )
        )
    return Markup(
        ngettext(
            "Queue %(queue)s resumed; %(num)s waiting job sent.",
            "Queue %(queue)s resumed; %(num)s waiting jobs sent.",
            sent,
            queue=name,
        )
    )


def queue_button(verb: str, queue: str) -> Markup:
    """A button label that says the verb and, to screen readers, which queue: 'Pause exports'."""
    hidden = Markup(_("queue %(name)s", name=bdi(queue)))  # the name is escaped by bdi()
    return Markup('{} <span class="visually-hidden">{}</span>').format(verb, hidden)


def problem_words(figures: QueueStatus) -> list[str]:
    """The queue's problems (webapp.monitoring.status) in the reader's language."""
    said = []
    for problem in figures.problems:
        if problem.startswith("the oldest job has waited"):
            waited = figures.oldest_pending_seconds or 0
            said.append(_("The oldest job has waited %(n)s s", n=f"{waited:.0f}"))
        elif problem.startswith("work is waiting"):
            said.append(_("Work is waiting and no live worker serves this queue"))
        elif problem.endswith(tuple("0123456789")) and "messages waiting, over" in problem:
            over = problem.rsplit(" ", 1)[-1]
            said.append(_("%(n)s messages waiting, over %(limit)s", n=figures.ready, limit=over))
        else:
            said.append(sentence(problem))
    return said


def ago_words(now: datetime, moment: datetime) -> str:
    """A recent moment as a measured age: '3 s ago', '2 min 5 s ago'."""
    return _("%(time)s ago", time=duration_words((now - moment).total_seconds()))


def ping_words(answer: PingResult) -> Markup:
    """One queue's ping: 'answered in 4 ms by <worker>', 'waiting…' or 'no answer after 30 s'."""
    if answer.round_trip_ms is not None:
        took = (
            _("under 1 ms")
            if answer.round_trip_ms < 1
            else _("%(ms)s ms", ms=f"{answer.round_trip_ms:.0f}")
        )
        if answer.worker:
            words = _("answered in %(time)s by %(worker)s", time=took, worker=bdi(answer.worker))
            return Markup(words)  # the worker's name is escaped by bdi()
        return Markup.escape(_("answered in %(time)s by a worker", time=took))
    if answer.state == "waiting":
        return Markup.escape(_("waiting…"))
    return Markup.escape(_("no answer after %(n)s s", n=f"{GIVE_UP_SECONDS:.0f}"))


def ping_summary(answers: list[PingResult]) -> str:
    """The whole ping in a sentence, said to screen readers when the last answer is in."""
    answered = sum(1 for a in answers if a.state == "answered")
    silent = sum(1 for a in answers if a.state == "no answer")
    if silent:
        return ngettext(
            "Ping: %(answered)s of %(num)s queue answered; %(silent)s gave no answer.",
            "Ping: %(answered)s of %(num)s queues answered; %(silent)s gave no answer.",
            len(answers),
            answered=answered,
            silent=silent,
        )
    return ngettext(
        "Ping: %(answered)s of %(num)s queue answered.",
        "Ping: %(answered)s of %(num)s queues answered.",
        len(answers),
        answered=answered,
    )


def alert_title(kind: str) -> str:
    """An alert's title in the reader's language (stored and posted in English)."""
    return alert_words_in.alert_title(kind)


def alert_words(kind: str, text: str) -> Markup:
    """A stored alert's figures in the reader's language, rebuilt from its English words
    (webapp.monitoring.alert_words), the queue's name isolated in <bdi>.

    A text this cannot read (an older wording) is shown as stored, marked as English data.
    """
    if current_language() == "en" or not text:
        return Markup.escape(text)
    words = alert_words_in.figures_words(kind, text, queue=bdi)
    if words is None:
        return Markup('<span dir="auto" lang="en">{}</span>').format(text)
    return Markup(words)  # every figure is digits and the queue is escaped by bdi()


AUDIT_ACTIONS = {
    "pause": N_("pause"),
    "resume": N_("resume"),
    "retry": N_("retry"),
    "discard": N_("discard"),
}
AUDIT_TARGETS = {"queue": N_("queue"), "job": N_("job"), "jobs": N_("jobs")}


def audit_action(action: str) -> str:
    """An audit entry's action in the reader's language (stored as a code word)."""
    known = AUDIT_ACTIONS.get(action)
    return _(known) if known else action


def audit_target(kind: str) -> str:
    """An audit entry's kind of target in the reader's language."""
    known = AUDIT_TARGETS.get(kind)
    return _(known) if known else kind


def outcome_words(outcome: Outcome, total: int | None = None) -> str:
    """Outcome.words() in the reader's language: 'Retried 3 jobs; 1 was no longer failed'."""
    done = len(outcome.done)
    retry = outcome.action == "retry"
    if total is not None:
        head = (
            _("Retried %(done)s of %(total)s", done=done, total=total)
            if retry
            else _("Discarded %(done)s of %(total)s", done=done, total=total)
        )
    elif not done:
        head = _("Retried no jobs") if retry else _("Discarded no jobs")
    elif retry:
        head = ngettext("Retried %(num)s job", "Retried %(num)s jobs", done)
    else:
        head = ngettext("Discarded %(num)s job", "Discarded %(num)s jobs", done)
    words = head
    for number, said in (
        (outcome.not_failed, ngettext("%(num)s was no longer failed",
                                      "%(num)s were no longer failed", outcome.not_failed)),
        (outcome.discarded, ngettext("%(num)s was already discarded",
                                     "%(num)s were already discarded", outcome.discarded)),
        (outcome.missing, ngettext("%(num)s was not found", "%(num)s were not found",
                                   outcome.missing)),
        (outcome.unknown_type, ngettext("%(num)s has a job type this version does not know",
                                        "%(num)s have a job type this version does not know",
                                        outcome.unknown_type)),
    ):  # fmt: skip
        if number:
            words = _("%(words)s; %(more)s", words=words, more=said)
    return words


FILTER_FIELDS = {
    "type": N_("type %(value)s"),
    "error_code": N_("error code %(value)s"),
    "queue": N_("queue %(value)s"),
    "owner": N_("owner %(value)s"),
    "from": N_("failed from %(value)s"),
    "to": N_("failed to %(value)s"),
}


def filter_words(query_args: dict[str, str]) -> Markup:
    """FailedFilter.words() in the reader's language, each value isolated as data."""
    said = [
        Markup(_(FILTER_FIELDS.get(name, name + " %(value)s"), value=bdi(value)))
        for name, value in query_args.items()
    ]  # each value is escaped by bdi(); the patterns are ours
    return Markup("، " if current_language() == "ar" else ", ").join(said)


def code(text: str) -> Markup:
    """A literal name (a Procfile line, a command) in <code>, kept as it is."""
    return Markup("<code>{}</code>").format(text)


def strong(text: str) -> Markup:
    """User data in bold, isolated from the words around it."""
    return Markup("<strong>{}</strong>").format(bdi(text))


STATUS_WORDS = {
    "pending": N_("Pending"),
    "processing": N_("Processing"),
    "completed": N_("Completed"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}


def status_words(status: str) -> str:
    """A job's status as a label in the reader's language: 'Pending', 'في الانتظار'."""
    known = STATUS_WORDS.get(status)
    return _(known) if known else status.capitalize()
