"""Jinja filters: dates in the user's terms, file sizes, plain-word labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal
from flask import Flask
from markupsafe import Markup, escape

from webapp.i18n import N_, localise_digits, ngettext, numbering_system
from webapp.i18n import gettext as _
from webapp.models.types import utcnow


def _language() -> str:
    """The language being rendered; English outside a request (no locale to read)."""
    from webapp.i18n import current_language

    return current_language()


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 minutes ago', 'in 2 hours', 'just now' ('منذ 3 دقائق' in Arabic), by Babel.

    The count is whole units, rounded down, of the largest unit up to a day that fits.
    """
    if moment is None:
        return ""
    now = now or utcnow()
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= 10 and seconds >= size:
            count = seconds // size
            delta = timedelta(seconds=count * size if future else -count * size)
            language = _language()
            # A threshold no unit reaches: Babel stops at `unit`, with the count as it is.
            words = format_timedelta(
                delta, granularity=unit, threshold=1e12, add_direction=True, locale=language
            )
            if language == "ar" and words.startswith("قبل "):
                words = "منذ " + words.removeprefix("قبل ")  # "since": how Arabic UIs say it
            return localise_digits(words, language)
    return _("just now")


def exact_time(moment: datetime) -> str:
    """The full UTC time, '2026-03-12 14:05:09 UTC'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# The exact time's pattern per language (CLDR's): '12 Mar 2026, 14:05' / '12 مارس 2026، 14:05'.
EXACT_PATTERNS = {"en": "d MMM y, HH:mm", "ar": "d MMM y، HH:mm"}


def exact_words(moment: datetime) -> str:
    """The exact time beside relative words, '12 Mar 2026, 14:05 UTC' (app.js localises it)."""
    language = _language()
    pattern = EXACT_PATTERNS.get(language, EXACT_PATTERNS["en"])
    words = format_datetime(moment.astimezone(UTC), pattern, tzinfo=UTC, locale=language)
    return f"{localise_digits(words, language)} UTC"


def hijri_words(moment: datetime) -> str:
    """The moment's Hijri (Umm al-Qura) date in UTC, '14 Jumada al-Akhirah 1448 AH' /
    '14 جمادى الآخرة 1448 هـ'; empty outside the calendar's range (1343-1500 AH)."""
    from hijridate import Gregorian

    day = moment.astimezone(UTC).date()
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (ValueError, OverflowError):
        return ""
    language = _language()
    month = hijri.month_name("ar" if language == "ar" else "en")
    words = _("%(day)s %(month)s %(year)s AH", day=hijri.day, month=month, year=hijri.year)
    return localise_digits(words, language)


def time_element(moment: datetime, words: str, css: str = "") -> Markup:
    """<time> showing `words` and, in small text after them, the exact time.

    The exact time is visible, so keyboard and touch users read it too (no hover needed); app.js
    rewrites it in the reader's own time zone.
    """
    from webapp.i18n import hijri_dates

    iso = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    klass = f' class="{escape(css)}"' if css else ""
    hijri = hijri_words(moment) if hijri_dates() else ""
    hijri_part = f' <small class="hijri-date">{escape(hijri)}</small>' if hijri else ""
    return Markup(
        f'<time{klass} datetime="{escape(iso)}">{escape(words)} '
        f'<small class="exact-time">{escape(exact_words(moment))}</small>{hijri_part}</time>'
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
    if size < 1024:
        return localise_digits(ngettext("%(num)s byte", "%(num)s bytes", size))
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    language = _language()
    number = format_decimal(value, "0.0", locale=language, numbering_system=numbering_system())
    return f"{localise_digits(number, language)} {unit}"


# The words app.js writes into pages, by key: base.html hands them over in the reader's language.
SCRIPT_WORDS = {
    "notify_on": N_("You will get a notification if this tab is in the background."),
    "notify_blocked": N_("Your browser blocks notifications from this site."),
    "live_pause": N_("Pause live updates"),
    "live_resume": N_("Resume live updates"),
    "live_paused_list": N_("Live updates are paused: the list stays as it is."),
    "live_paused_figures": N_("Live updates are paused: the figures stay as they are."),
    "time_to": N_("%(start)s to %(end)s"),
    # Short units of a running job's duration: "1 min 5 s".
    "unit_s": N_("%(n)s s"),
    "unit_min": N_("%(n)s min"),
    "unit_h": N_("%(n)s h"),
    "unit_d": N_("%(n)s d"),
}


def script_words() -> dict[str, str]:
    """SCRIPT_WORDS in the reader's language (app.js reads them from the page)."""
    return {key: _(words) for key, words in SCRIPT_WORDS.items()}


def format_number(number: float | int | None) -> str:
    """12345 -> '12,345', in the reader's language (Western digits in Arabic unless
    ARABIC_DIGITS=arabic-indic: '١٢٬٣٤٥')."""
    if number is None:
        return ""
    language = _language()
    words = format_decimal(number, locale=language, numbering_system=numbering_system(language))
    return localise_digits(words, language)  # Babel's 'arab' system sets the separators only


# (endpoint, label, role needed); links to endpoints not yet registered are left out.
NAV_LINKS = (
    ("main.home", N_("Home"), None),
    ("jobs.index", N_("My jobs"), None),
    ("reports.new_report", N_("New report"), None),
    ("reports.new_export", N_("New export"), None),
    ("imports.new_import", N_("New import"), None),
    ("notify.new_announcement", N_("Notify customers"), None),
    ("ops.index", N_("Ops"), "admin"),
)
# What a link says to an admin when it differs: their /jobs lists everyone's jobs.
ADMIN_LABELS = {"jobs.index": N_("All jobs")}
ROLE_LABELS = {"staff": N_("staff"), "admin": N_("admin")}


def role_label(role: str) -> str:
    """A role in the reader's language ('admin' -> 'مشرف')."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def register(app: Flask) -> None:
    """Install the filters and the navigation helper on the app's Jinja environment."""

    def nav_links() -> list[tuple[str, str]]:
        from flask_login import current_user

        admin = current_user.role == "admin"
        return [
            (endpoint, _(ADMIN_LABELS.get(endpoint, label) if admin else label))
            for endpoint, label, role in NAV_LINKS
            if endpoint in app.view_functions and (role is None or current_user.role == role)
        ]

    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["script_words"] = script_words
    app.jinja_env.filters["format_decimal"] = format_number
    app.jinja_env.filters["time_ago"] = time_ago
    app.jinja_env.filters["time_tag"] = time_tag
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["exact_time"] = exact_time
