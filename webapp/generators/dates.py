"""Dates in the app's own words ("1 Mar 2025"), shared by the reports, exports and their forms.

Written out by hand, not with strftime, so the words never depend on the process's locale. In
Arabic (a page or a file being written in Arabic) months are named in full: '1 مارس 2025'.
"""

from __future__ import annotations

from datetime import date

from webapp.i18n import current_language, ngettext
from webapp.i18n import gettext as _

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
ARABIC_MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
DASH = "\u2013"  # an en dash between the two ends of a range


def month_abbr(value: date) -> str:
    """'Mar' for any day in March ('مارس' in Arabic, where months are not shortened)."""
    if current_language() == "ar":
        return ARABIC_MONTHS[value.month - 1]
    return MONTHS[value.month - 1][:3]


def short_date(value: date) -> str:
    """A date as the app writes it everywhere: '1 Mar 2025'."""
    return f"{value.day} {month_abbr(value)} {value.year}"


def month_label(value: date) -> str:
    """The month a date falls in: 'Mar 2025'."""
    return f"{month_abbr(value)} {value.year}"


def span_label(start: date, end: date) -> str:
    """A short range, both ends included, en dash between: '3-9 Mar 2025', '24 Feb - 2 Mar 2025'."""
    if start == end:
        return short_date(start)
    if start.year != end.year:
        return f"{short_date(start)} {DASH} {short_date(end)}"
    if start.month != end.month:
        return f"{start.day} {month_abbr(start)} {DASH} {short_date(end)}"
    return f"{start.day}{DASH}{short_date(end)}"


def period_words(date_from: date, date_to: date) -> str:
    """A period as the job pages say it: '1 Mar 2025 to 31 Mar 2025'."""
    return _("%(start)s to %(end)s", start=short_date(date_from), end=short_date(date_to))


def days_words(days: int) -> str:
    """'1 day', '1,098 days'."""
    return ngettext("%(count)s day", "%(count)s days", days, count=f"{days:,}")


def span_limit(days: int) -> str:
    """The longest period in words: '3 years' when that many whole years always fit, else days."""
    years = days // 365
    # N calendar years need N * 365 days plus one for each leap day they may hold.
    needed = years * 365 + (years + 3) // 4
    if years >= 1 and needed <= days < needed + 31:
        return _("a year") if years == 1 else ngettext("%(num)s year", "%(num)s years", years)
    return days_words(days)
