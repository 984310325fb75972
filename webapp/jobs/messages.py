"""The engine's and the workers' stored words, said in the reader's language where they are shown.

Workers write a job's progress message ("Starting", "Read 3,000 of 10,000 orders") and its
timeline details in English, into the job's row: the API, `flask jobs` and the tests read them
as they are. The pages translate them when they show them. A message without figures is its own
msgid. A message with figures or names is written from a pattern with placeholders (below,
marked with N_ so its Arabic lives in this area's catalog): the stored English is matched back
against the pattern, and the pattern's translation is filled with what the English held
(numbers re-formatted for the locale, names and files kept as they are, inside <bdi>).

Writers that format their message as `N_("Read %(done)s of %(total)s orders") % {...}` keep
the stored English identical and the pattern here in step with them. A message no pattern
knows is shown as it was stored, marked as such (dir="auto").
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import format_decimal, lazy_pgettext
from markupsafe import Markup, escape

from webapp.i18n import N_
from webapp.i18n import gettext as _

# Placeholders that hold another stored message or a duration (translated in turn).
NESTED = frozenset({"detail", "delay"})
# Placeholders that hold a count ("1,234"): re-formatted in the reader's locale.
NUMBERS = frozenset(
    {
        "attempt",
        "done",
        "total",
        "page",
        "step",
        "steps",
        "rows",
        "seconds",
        "rest",
        "s",
        "min",
        "h",
    }
)

PATTERNS = (
    # The engine (webapp/engine/service.py, transitions.py, requests.py, reclaim.py, runner.py).
    N_("Waiting for a worker"),
    N_("Scheduled"),
    N_("Queued"),
    N_("Scheduled to start in %(delay)s"),
    N_("%(s)s s"),  # a delay, as webapp/engine/service.py writes it: '90 s', '2 h 30 min'
    N_("%(min)s min"),
    N_("%(h)s h %(min)s min"),
    N_("Starting"),
    N_("Done"),
    N_("Failed"),
    N_("Cancelled"),
    N_("Cancelling…"),
    N_("Queued again"),
    N_("Cancelled before it started"),
    N_("Stopped at the owner's request"),
    N_("Stopped at the owner's request: %(detail)s"),
    N_("Cancel requested"),
    N_("Queued again by hand"),
    N_("Discarded from the failed list"),
    N_("Requested"),
    N_("Finished"),
    N_("Attempt %(attempt)s failed"),
    N_("Result removed"),
    N_("Downloaded"),
    N_("Attempt %(attempt)s started"),
    N_("Attempt %(attempt)s failed (%(code)s); retrying"),
    N_("Attempt %(attempt)s stopped early; queued again"),
    N_("Worker lost; queued again"),
    N_("The worker running this job stopped without finishing it."),
    N_("The attempt stopped without recording how it ended."),
    N_("It ended before recording how (see the worker log)."),
    N_("The attempt ran past the %(seconds)s s time limit."),
    N_("Result removed after its time to live"),
    N_("Step %(step)s of %(steps)s"),
    # Reports and exports (webapp/generators/).
    N_("Counting orders"),
    N_("Exporting %(total)s orders"),
    N_("Read %(done)s of %(total)s orders"),
    N_("Read %(done)s of %(total)s order lines"),
    N_("Wrote %(done)s of %(total)s orders"),
    N_("Figures ready"),
    N_("CSV written"),
    N_("Writing the workbook"),
    N_("Workbook written"),
    N_("Packing the workbook"),
    N_("Workbook packed"),
    N_("Laying out page %(page)s"),
    N_("PDF written"),
    N_("%(file)s is ready"),
    # Imports (webapp/importers/job.py).
    N_("Reading the file"),
    N_("Applied %(done)s of about %(total)s rows"),
    N_("Checked %(done)s of about %(total)s rows"),
    N_("Applied %(done)s rows"),
    N_("Checked %(done)s rows"),
    N_("stopped after %(rows)s rows; everything before stays applied"),
    N_("stopped after %(rows)s rows; nothing was written"),
    # Announcements and order confirmations (webapp/notifications/fanout.py).
    N_("%(done)s of %(total)s customers done"),
    N_("%(done)s of %(total)s orders done"),
    N_("stopped after %(done)s of %(total)s customers; %(rest)s messages not sent"),
    N_("stopped after %(done)s of %(total)s orders; %(rest)s messages not sent"),
    # What an import's outcome offers (webapp/importers/job.py's file label).
    N_("Download the rejected rows"),
    # An admin's actions, as the audit log keeps them (webapp/jobs/actions.py).
    N_("Cancelled from the job page"),
    N_("Cancel requested from the job page"),
    N_("As %(email)s: job %(job)s"),
    # Retrying or discarding failed jobs in bulk (webapp/monitoring/bulk.py).
    N_("Retried %(done)s of %(total)s"),
    N_("Discarded %(done)s of %(total)s"),
    N_("Stopped when asked: %(detail)s"),
    N_("%(detail)s; %(done)s was no longer failed"),
    N_("%(detail)s; %(done)s were no longer failed"),
    N_("%(detail)s; %(done)s was already discarded"),
    N_("%(detail)s; %(done)s were already discarded"),
    N_("%(detail)s; %(done)s was not found"),
    N_("%(detail)s; %(done)s were not found"),
    N_("%(detail)s; %(done)s has a job type this version does not know"),
    N_("%(detail)s; %(done)s have a job type this version does not know"),
    # Downloads (webapp/downloads/routes.py).
    N_("Downloaded from %(address)s"),
    N_("Downloaded from %(address)s by %(email)s"),
)
# An import's figures, as webapp/importers/job.py labels them ("Created" is also a column's
# name elsewhere: these words carry a context of their own).
FIGURES = {
    "Created": lazy_pgettext("import figure", "Created"),
    "Updated": lazy_pgettext("import figure", "Updated"),
    "Unchanged": lazy_pgettext("import figure", "Unchanged"),
    "Rejected": lazy_pgettext("import figure", "Rejected"),
    "Would be created": lazy_pgettext("import figure", "Would be created"),
    "Would be updated": lazy_pgettext("import figure", "Would be updated"),
}


def figure_label(label: str) -> str:
    """An import figure's label in the page's language ('Created', 'Would be updated')."""
    words = FIGURES.get(label)
    return str(words) if words is not None else label


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NUMBER = r"\d[\d,]*"


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each pattern with placeholders as a regular expression over the stored English."""
    compiled = []
    for msgid in PATTERNS:
        if "%(" not in msgid:
            continue
        parts, last = [], 0
        for match in PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last : match.start()]))
            name = match.group(1)
            parts.append(f"(?P<{name}>{NUMBER if name in NUMBERS else '.+?'})")
            last = match.end()
        parts.append(re.escape(msgid[last:]))
        compiled.append((re.compile("".join(parts) + r"\Z"), msgid))
    # The pattern with the most words of its own first: 'Downloaded from A by B' before
    # 'Downloaded from A', whose placeholder would also match 'A by B'.
    compiled.sort(key=lambda pair: -len(PLACEHOLDER.sub("", pair[1])))
    return tuple(compiled)


PLAIN = frozenset(msgid for msgid in PATTERNS if "%(" not in msgid)


def _number(text: str) -> str:
    return format_decimal(int(text.replace(",", "")))


def _render(stored: str, html: bool) -> str | None:
    """The translation of a known stored message (HTML with names in <bdi>, or text); else None."""
    if stored in PLAIN:
        return escape(_(stored)) if html else _(stored)
    for pattern, msgid in _compiled():
        match = pattern.match(stored)
        if match is None:
            continue
        values: dict[str, str] = {}
        for name, value in match.groupdict().items():
            if name in NUMBERS:
                values[name] = _number(value)
            elif name in NESTED:
                values[name] = show(value) if html else say(value)
            else:
                values[name] = Markup("<bdi>%s</bdi>") % value if html else value
        template = _(msgid)  # no variables: the translated pattern, placeholders intact
        return Markup(escape(template)) % values if html else template % values
    return None


def say(stored: str | None) -> str:
    """A stored message as plain text in the page's language (attributes, tab titles)."""
    if not stored:
        return ""
    said = _render(stored, html=False)
    return said if said is not None else stored


def show(stored: str | None) -> Markup:
    """A stored message as HTML in the page's language: names in <bdi>, unknown text as data."""
    if not stored:
        return Markup("")
    said = _render(stored, html=True)
    if said is None:
        return Markup('<span dir="auto">%s</span>') % stored
    return Markup(said)
