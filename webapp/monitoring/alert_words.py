"""Alerts' words in the reader's language, as plain text (worker-safe: no markup here).

Alerts are stored, logged and posted to the webhook in English. The admins' emails
(webapp.monitoring.alerts) and the ops pages (webapp.ops.present, which isolates the queue's
name in <bdi>) say them in the reader's language: the stored English is matched back against
the five fixed wordings `conditions` writes, and the matching translation is filled in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from webapp.i18n import N_
from webapp.i18n import gettext as _

# Stored and emailed in English; the emails and the pages translate them (alert_title).
TITLES = {
    "backlog": N_("Queue backlog detected"),
    "long_wait": N_("Long wait detected"),
    "no_worker": N_("No worker serves a queue with work"),
    "failure_rate": N_("Many jobs are failing"),
    "dead_letters": N_("Dead letters are growing"),
}

# The alerts' figures as webapp.monitoring.alerts.conditions writes them, per kind.
ALERT_TEXTS = {
    "backlog": re.compile(
        r"(?P<size>\d+) messages waiting in (?P<queue>\S+) \(threshold (?P<limit>\d+)\)"
    ),
    "long_wait": re.compile(
        r"the oldest job in (?P<queue>\S+) has waited (?P<waited>\d+) s"
        r" \(threshold (?P<limit>\d+) s\)"
    ),
    "no_worker": re.compile(
        r"(?P<queue>\S+) has (?P<pending>\d+) waiting and (?P<running>\d+) running"
        r" jobs and no live worker"
    ),
    "failure_rate": re.compile(
        r"(?P<failed>\d+) of (?P<finished>\d+) jobs in (?P<queue>\S+) failed in the last"
        r" (?P<minutes>\d+) minutes \((?P<rate>\d+)%, threshold (?P<limit>\d+)%\)"
    ),
    "dead_letters": re.compile(
        r"(?P<grown>\d+) more dead-lettered messages in (?P<queue>\S+) \((?P<dead>\d+) in all\)"
    ),
}


def alert_title(kind: str) -> str:
    """An alert's title in the current language ('Queue backlog detected')."""
    title = TITLES.get(kind)
    return _(title) if title else kind.replace("_", " ").capitalize()


def figures_words(kind: str, text: str, queue: Callable[[str], Any] = str) -> str | None:
    """A stored alert's figures in the current language, rebuilt from its English words.

    `queue` wraps the queue's name (the pages isolate it in <bdi>); None when the text is not
    one of the five wordings (an older one).
    """
    pattern = ALERT_TEXTS.get(kind)
    found = pattern.fullmatch(text) if pattern and text else None
    if found is None:
        return None
    f: dict[str, Any] = dict(found.groupdict())
    f["queue"] = queue(f["queue"])
    if kind == "backlog":
        return _(
            "%(size)s messages waiting in %(queue)s (threshold %(limit)s)",
            size=f["size"], queue=f["queue"], limit=f["limit"],
        )  # fmt: skip
    if kind == "long_wait":
        return _(
            "the oldest job in %(queue)s has waited %(waited)s s (threshold %(limit)s s)",
            queue=f["queue"], waited=f["waited"], limit=f["limit"],
        )  # fmt: skip
    if kind == "no_worker":
        return _(
            "%(queue)s has %(pending)s waiting and %(running)s running jobs and no live worker",
            queue=f["queue"], pending=f["pending"], running=f["running"],
        )  # fmt: skip
    if kind == "failure_rate":
        return _(
            "%(failed)s of %(finished)s jobs in %(queue)s failed in the last %(minutes)s minutes"
            " (%(rate)s%%, threshold %(limit)s%%)",
            failed=f["failed"], finished=f["finished"], queue=f["queue"],
            minutes=f["minutes"], rate=f["rate"], limit=f["limit"],
        )  # fmt: skip
    return _(
        "%(grown)s more dead-lettered messages in %(queue)s (%(dead)s in all)",
        grown=f["grown"], queue=f["queue"], dead=f["dead"],
    )  # fmt: skip


def since_words(seconds: int) -> str:
    """How long an alert stayed open, in the current language: '90 s', '12 min', '3 h 5 min'."""
    if seconds < 120:
        return _("%(s)s s", s=seconds)
    if seconds < 7200:
        return _("%(m)s min", m=seconds // 60)
    return _("%(h)s h %(m)s min", h=seconds // 3600, m=seconds % 3600 // 60)


def alert_words(kind: str, text: str, cleared_after: int | None = None) -> str:
    """An alert's figures as an email says them in the current language (unknown text as
    stored), with 'cleared after …' when the alert is resolved."""
    words = figures_words(kind, text) or text
    if cleared_after is None:
        return words
    return _("%(words)s; cleared after %(time)s", words=words, time=since_words(cleared_after))
