"""Jinja filters: dates in the user's terms, file sizes, plain-word labels."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape

from webapp.models.types import utcnow


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 minutes ago', 'in 2 hours', 'just now'."""
    if moment is None:
        return ""
    now = now or utcnow()
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 10:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = seconds // size
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def exact_time(moment: datetime) -> str:
    """The full UTC time, '2026-03-12 14:05:09 UTC'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def exact_words(moment: datetime) -> str:
    """The exact time beside relative words, '12 Mar 2026, 14:05 UTC' (app.js localises it)."""
    at = moment.astimezone(UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def time_element(moment: datetime, words: str, css: str = "") -> Markup:
    """<time> showing `words` and, in small text after them, the exact time.

    The exact time is visible, so keyboard and touch users read it too (no hover needed); app.js
    rewrites it in the reader's own time zone.
    """
    iso = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    klass = f' class="{escape(css)}"' if css else ""
    return Markup(
        f'<time{klass} datetime="{escape(iso)}">{escape(words)} '
        f'<small class="exact-time">{escape(exact_words(moment))}</small></time>'
    )


def time_tag(moment: datetime | None) -> Markup:
    """A <time> element: relative words, then the exact time."""
    if moment is None:
        return Markup('<span class="muted">—</span>')
    return time_element(moment, time_ago(moment))


def file_size(size: int | None) -> str:
    """1536 -> '1.5 KB'."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


# (endpoint, label, role needed); links to endpoints not yet registered are left out.
NAV_LINKS = (
    ("main.home", "Home", None),
    ("jobs.index", "My jobs", None),
    ("reports.new_report", "New report", None),
    ("reports.new_export", "New export", None),
    ("imports.new_import", "New import", None),
    ("notify.new_announcement", "Notify customers", None),
    ("ops.index", "Ops", "admin"),
)
# What a link says to an admin when it differs: their /jobs lists everyone's jobs.
ADMIN_LABELS = {"jobs.index": "All jobs"}


def register(app: Flask) -> None:
    """Install the filters and the navigation helper on the app's Jinja environment."""

    def nav_links() -> list[tuple[str, str]]:
        from flask_login import current_user

        admin = current_user.role == "admin"
        return [
            (endpoint, ADMIN_LABELS.get(endpoint, label) if admin else label)
            for endpoint, label, role in NAV_LINKS
            if endpoint in app.view_functions and (role is None or current_user.role == role)
        ]

    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["time_tag"] = time_tag
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["exact_time"] = exact_time
