"""English left on an Arabic page: the words a reader would see that no catalog translated.

A page in Arabic may still show Latin text where it is data, not words of ours: user data
(names, emails, job names) is wrapped in <bdi> or an element with dir="auto" (which it needs
anyway, to render in the right order inside Arabic), codes in <code>/<kbd>/<samp>, and
anything marked translate="no". Everything else that reads as English is a leftover. Some
Latin words are names of things and stay as they are in Arabic (PDF, CSV, API...): ALLOWED.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words that Arabic text keeps in Latin letters: product, format and protocol names, units.
ALLOWED = frozenset(
    [
        "Tamam",
        "PDF",
        "CSV",
        "Excel",
        "XLSX",
        "API",
        "URL",
        "UTC",
        "SMS",
        "HTTP",
        "HTTPS",
        "HTML",
        "JSON",
        "ID",
        "IDs",
        "Redis",
        "SQLite",
        "PostgreSQL",
        "Dramatiq",
        "HTMX",
        "ETA",
        "p50",
        "p95",
        "p99",
        "E.164",
        "SKU",
        "KB",
        "MB",
        "GB",
        "KiB",
        "MiB",
        "GiB",
        "ms",
        "UTF-8",
        "BOM",
        "Windows-1256",
        "OpenAPI",
        "Bearer",
        "Twilio",
        "SMTP",
        "WhatsApp",
        "Prometheus",
        "CLI",
        "cp1256",
        "IP",
    ]
)
SKIPPED_TAGS = frozenset({"script", "style", "code", "kbd", "samp", "pre", "bdi", "svg"})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                       "meta", "source", "track", "wbr"})  # fmt: skip
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*[A-Za-z0-9]|[A-Za-z]")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skip = (self._skipping() or tag in SKIPPED_TAGS or found.get("dir") == "auto"
                or found.get("translate") == "no")  # fmt: skip
        if not skip:
            self.texts.extend(value for name in READ_ATTRIBUTES if (value := found.get(name)))
            if tag == "input" and found.get("type") in {"submit", "button"} and found.get("value"):
                self.texts.append(found["value"] or "")
        if tag not in VOID_TAGS:
            self.stack.append(skip)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def suite_type_words() -> frozenset[str]:
    """The words of the test suite's own job types' labels (t_*, registered by
    tests.jobs.helpers when some test module imports it): test data, English on purpose."""
    from webapp.engine import registry

    return frozenset(
        word
        for job_type in registry.all_types()
        if job_type.name.startswith("t_")
        for word in LATIN_WORD.findall(job_type.label)
    )


def english_leftovers(html: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The texts of an Arabic page that still hold English words (each text once)."""
    reader = _Reader()
    reader.feed(html)
    leftovers: list[str] = []
    allowed = allowed | suite_type_words()  # whichever test modules ran first
    for text in reader.texts:
        words = [w for w in LATIN_WORD.findall(text) if w not in ALLOWED and w not in allowed]
        if words and text not in leftovers:
            leftovers.append(text)
    return leftovers
