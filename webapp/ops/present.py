"""The dashboard's figures in words: durations, memory, silence and the time to clear a queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from webapp.jobs.present import duration_words
from webapp.monitoring.ping import GIVE_UP_SECONDS, PingResult
from webapp.monitoring.status import QueueStatus

MIB = 1024 * 1024
NONE = "—"


def seconds_words(seconds: float | None) -> str:
    """A measured duration: '40 ms', '4.2 s', '2 min 5 s'; '—' when there is none."""
    if seconds is None:
        return NONE
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    return duration_words(seconds)


def memory_words(size: int | None) -> str:
    """Resident memory in MiB, '—' when the worker does not report it."""
    if size is None:
        return NONE
    mib = size / MIB
    return f"{mib:.1f} MiB" if mib < 10 else f"{mib:.0f} MiB"


def silence_words(now: datetime, last_seen: datetime) -> str:
    """How long a worker has been silent: 'no heartbeat for 42 s'."""
    return f"no heartbeat for {duration_words((now - last_seen).total_seconds())}"


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
        return Estimate(0.0, "nothing waiting")
    if paused:
        return Estimate(None, "— paused")
    if figures.threads == 0:
        return Estimate(None, "— no live worker thread serves it")
    if mean_runtime is None:
        return Estimate(None, "— no runtime history in the last hour")
    seconds = backlog * mean_runtime / figures.threads
    if seconds < 60:
        return Estimate(seconds, "under a minute")
    return Estimate(seconds, f"about {duration_words(seconds)}")


def sentence(text: str) -> str:
    """The text with its first letter capitalised and the rest as it was."""
    return text[:1].upper() + text[1:]


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 job', '12 jobs'; '2 processes' when told the plural."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def resumed_words(queue: str, sent: int, batch: int) -> str:
    """The flash after a resume: how many waiting jobs were handed to the workers at once."""
    if sent == 0:
        return f"Queue {queue} resumed; no waiting job needed sending again."
    more = " The rest follow within a minute." if sent >= batch else ""
    return f"Queue {queue} resumed; {plural(sent, 'waiting job')} sent.{more}"


def queue_button(verb: str, queue: str) -> Markup:
    """A button label that says the verb and, to screen readers, which queue: 'Pause exports'."""
    return Markup('{} <span class="visually-hidden">queue {}</span>').format(verb, queue)


def ago_words(now: datetime, moment: datetime) -> str:
    """A recent moment as a measured age: '3 s ago', '2 min 5 s ago'."""
    return f"{duration_words((now - moment).total_seconds())} ago"


def ping_words(answer: PingResult) -> str:
    """One queue's ping: 'answered in 4 ms by <worker>', 'waiting…' or 'no answer after 30 s'."""
    if answer.round_trip_ms is not None:
        took = "under 1 ms" if answer.round_trip_ms < 1 else f"{answer.round_trip_ms:.0f} ms"
        return f"answered in {took} by {answer.worker or 'a worker'}"
    if answer.state == "waiting":
        return "waiting…"
    return f"no answer after {GIVE_UP_SECONDS:.0f} s"


def ping_summary(answers: list[PingResult]) -> str:
    """The whole ping in a sentence, said to screen readers when the last answer is in."""
    answered = sum(1 for a in answers if a.state == "answered")
    silent = sum(1 for a in answers if a.state == "no answer")
    words = f"Ping: {answered} of {plural(len(answers), 'queue')} answered"
    return f"{words}; {silent} gave no answer." if silent else f"{words}."
