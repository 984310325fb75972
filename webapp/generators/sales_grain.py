"""Sales over time at a grain picked from the period: days, weeks or months.

Up to two months (62 days) a report shows each day; up to a year (366 days) each week, Monday to
Sunday; beyond that each calendar month. Weeks and months are calendar ones, so the first and
last rows may cover only part of one (they say so: '24-30 Nov 2024'); every day of the period is
in exactly one row, days without orders included as zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from webapp.generators.dates import days_words, month_label, short_date, span_label
from webapp.i18n import gettext as _

DAY_LIMIT = 62  # two long months
WEEK_LIMIT = 366  # a leap year
GRAINS = ("day", "week", "month")


@dataclass
class Bucket:
    """Orders, revenue (before tax) and tax added up for one group."""

    orders: int = 0
    revenue_cents: int = 0
    tax_cents: int = 0

    def add(self, revenue_cents: int, tax_cents: int) -> None:
        """Count one order."""
        self.orders += 1
        self.revenue_cents += revenue_cents
        self.tax_cents += tax_cents

    def absorb(self, other: Bucket) -> None:
        """Add another group's sums to this one."""
        self.orders += other.orders
        self.revenue_cents += other.revenue_cents
        self.tax_cents += other.tax_cents

    @property
    def average_cents(self) -> int:
        """Average order value before tax, in cents (0 without orders)."""
        return round(self.revenue_cents / self.orders) if self.orders else 0


@dataclass(frozen=True)
class PeriodRow:
    """One day, week or month of the report (clipped to the report's period) and its sums."""

    start: date
    end: date
    bucket: Bucket

    @property
    def days(self) -> int:
        """How many days of the report's period the row covers."""
        return (self.end - self.start).days + 1


def grain_for(date_from: date, date_to: date) -> str:
    """'day' up to two months, 'week' up to a year, 'month' beyond."""
    days = (date_to - date_from).days + 1
    return "day" if days <= DAY_LIMIT else "week" if days <= WEEK_LIMIT else "month"


def _row_start(day: date, grain: str) -> date:
    """The first day of the day, week (Monday) or month holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def group_days(
    days: dict[date, Bucket], date_from: date, date_to: date, grain: str
) -> list[PeriodRow]:
    """Every day of the period added into rows at `grain`, oldest first."""
    starts: dict[date, date] = {}
    ends: dict[date, date] = {}
    buckets: dict[date, Bucket] = {}
    day = date_from
    while day <= date_to:
        key = _row_start(day, grain)
        starts.setdefault(key, day)
        ends[key] = day
        bucket = buckets.setdefault(key, Bucket())
        if day in days:
            bucket.absorb(days[day])
        day += timedelta(days=1)
    return [PeriodRow(starts[key], ends[key], buckets[key]) for key in starts]


def is_partial(row: PeriodRow, grain: str) -> bool:
    """True when a week or month row covers only part of its week or month."""
    if grain == "week":
        return row.days < 7
    if grain == "month":
        next_month = (row.start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return row.start.day != 1 or row.end != next_month - timedelta(days=1)
    return False


def row_label(row: PeriodRow, grain: str) -> str:
    """'3 Mar 2025' for a day, '3-9 Mar 2025' for a week, 'Mar 2025' for a whole month."""
    if grain == "day":
        return short_date(row.start)
    if grain == "month" and not is_partial(row, grain):
        return month_label(row.start)
    return span_label(row.start, row.end)


def partial_note(rows: list[PeriodRow], grain: str) -> str:
    """A sentence naming the first and last rows when they are part weeks or months ('' if none)."""
    partial = [row for row in (rows[:1] + rows[1:][-1:]) if is_partial(row, grain)]
    if not partial:
        return ""
    parts = [
        _("%(span)s (%(days)s)", span=span_label(row.start, row.end), days=days_words(row.days))
        for row in partial
    ]
    which = "both" if len(partial) == 2 else "first" if partial[0] is rows[0] else "last"
    if grain == "week":
        sentences = {
            "both": _("The first and last weeks are partial, cut by the period: %(a)s and %(b)s."),
            "first": _("The first week is partial, cut by the period: %(a)s."),
            "last": _("The last week is partial, cut by the period: %(a)s."),
        }
    else:
        sentences = {
            "both": _("The first and last months are partial, cut by the period: %(a)s and %(b)s."),
            "first": _("The first month is partial, cut by the period: %(a)s."),
            "last": _("The last month is partial, cut by the period: %(a)s."),
        }
    return sentences[which] % {"a": parts[0], "b": parts[-1]}
