"""Periods on the forms: presets, where orders exist, and refusing a period without any.

Presets are counted from the server's "today" in UTC (the same clock as the order dates), both
ends included, and end today when the period is still running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from webapp.engine.errors import ParamError
from webapp.generators.dates import short_date, span_label
from webapp.generators.order_dates import DateRange
from webapp.i18n import N_
from webapp.i18n import gettext as _


def utc_today() -> date:
    """Today's date in UTC: what the presets count from."""
    return datetime.now(UTC).date()


def _this_month(today: date) -> DateRange:
    return today.replace(day=1), today


def _last_month(today: date) -> DateRange:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _this_quarter(today: date) -> DateRange:
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today


def _last_days(days: int) -> Callable[[date], DateRange]:
    def period(today: date) -> DateRange:
        return today - timedelta(days=days - 1), today

    return period


def _year_to_date(today: date) -> DateRange:
    return today.replace(month=1, day=1), today


# name: (label, today -> (first day, last day)), in the order the forms offer them.
PRESETS: dict[str, tuple[str, Callable[[date], DateRange]]] = {
    "this_month": (N_("This month"), _this_month),
    "last_month": (N_("Last month"), _last_month),
    "this_quarter": (N_("This quarter"), _this_quarter),
    "last_7_days": (N_("Last 7 days"), _last_days(7)),
    "last_30_days": (N_("Last 30 days"), _last_days(30)),
    "year_to_date": (N_("Year to date"), _year_to_date),
}


def preset_period(name: str, today: date) -> DateRange | None:
    """The (first, last) day of the named preset counted from `today`; None for an unknown name."""
    preset = PRESETS.get(name)
    return preset[1](today) if preset else None


def preset_data(name: str, today: date) -> dict[str, str]:
    """The preset as the forms' date_from and date_to values (empty for an unknown name)."""
    period = preset_period(name, today)
    if period is None:
        return {}
    return {"date_from": period[0].isoformat(), "date_to": period[1].isoformat()}


@dataclass(frozen=True)
class PresetLink:
    """One preset as the form shows it: its words, its dates, and whether the form holds it."""

    name: str
    label: str
    dates: str
    current: bool


def preset_links(today: date, date_from: Any, date_to: Any) -> list[PresetLink]:
    """Every preset for `today`; `current` marks the one whose dates the form holds now."""
    links = []
    for name, (label, period) in PRESETS.items():
        first, last = period(today)
        current = (str(date_from), str(date_to)) == (first.isoformat(), last.isoformat())
        links.append(PresetLink(name, _(label), span_label(first, last), current))
    return links


def check_period_has_orders(clean: Mapping[str, Any], known: DateRange | None) -> None:
    """Refuse validated params whose period lies wholly outside the dates that hold orders.

    The message sits under the date that, moved alone, would fix it: the start date when the
    period is after the last order, the end date when it is before the first.
    """
    date_from = date.fromisoformat(clean["date_from"])
    date_to = date.fromisoformat(clean["date_to"])
    if known is None:
        raise ParamError("period", _("There are no orders yet, so any report would be empty."))
    first, last = known
    ends = {"start": short_date(date_from), "end": short_date(date_to)}
    if date_from > last:
        message = _(
            "No orders between %(start)s and %(end)s: the last order is from %(last)s.",
            last=short_date(last),
            **ends,
        )
        raise ParamError("date_from", message)
    if date_to < first:
        message = _(
            "No orders between %(start)s and %(end)s: the first order is from %(first)s.",
            first=short_date(first),
            **ends,
        )
        raise ParamError("date_to", message)
