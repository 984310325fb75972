"""Validate and normalise the parameters of the sales_report and orders_export job types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from webapp.generators.contract import ParamError
from webapp.generators.dates import span_limit
from webapp.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from webapp.i18n import gettext as _
from webapp.models.sales import ORDER_STATUSES, REGIONS

SALES_REPORT_FORMATS = ("pdf", "excel", "csv")
ORDERS_EXPORT_FORMATS = ("excel", "csv")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# Each date field's messages, whole sentences so that each language words them its own way.
_DATE_MESSAGES = {
    "date_from": (
        N_("Enter a start date."),
        N_("The start date must be a real date written as YYYY-MM-DD."),
    ),
    "date_to": (
        N_("Enter an end date."),
        N_("The end date must be a real date written as YYYY-MM-DD."),
    ),
}


def _date(raw: Mapping[str, Any], field: str) -> date:
    """Read one date given as a date object or YYYY-MM-DD text."""
    missing, malformed = _DATE_MESSAGES[field]
    value = raw.get(field)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if value is None or text == "":
        raise ParamError(field, _(missing))
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ParamError(field, _(malformed))


def _date_range(raw: Mapping[str, Any], max_span_days: int) -> tuple[date, date]:
    """Read date_from and date_to: both present, in order, and at most max_span_days long."""
    date_from = _date(raw, "date_from")
    date_to = _date(raw, "date_to")
    if date_to < date_from:
        raise ParamError("date_to", _("The end date can't be before the start date."))
    days = (date_to - date_from).days + 1
    if days > max_span_days:
        limit = span_limit(max_span_days)
        raise ParamError(
            "date_to",
            _(
                "The period can be at most %(limit)s; this one is %(days)s days.",
                limit=limit,
                days=f"{days:,}",
            ),
        )
    return date_from, date_to


_CHOICE_LABELS = {
    "format": N_("format"),
    "status": N_("status"),
    "region": N_("region"),
    "language": N_("language"),
}


def _choice(
    raw: Mapping[str, Any], field: str, label: str, choices: tuple[str, ...], *, blank_ok: bool
) -> str:
    """Read a value that must be one of `choices` (or empty when blank_ok: 'all')."""
    value = raw.get(field)
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if text == "" and blank_ok:
        return ""
    if text == "":
        return_label = _CHOICE_LABELS.get(field)
        name = _(return_label) if return_label else label.lower()
        raise ParamError(field, _("Choose a %(name)s.", name=name))
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    allowed = ", ".join(choices)
    if blank_ok:
        message = _(
            "%(label)s must be one of %(allowed)s, or leave it empty for all.",
            label=_(label),
            allowed=allowed,
        )
    else:
        message = _("%(label)s must be one of %(allowed)s.", label=_(label), allowed=allowed)
    raise ParamError(field, message)


def _language(raw: Mapping[str, Any], clean: dict[str, str]) -> dict[str, str]:
    """Add the file's language to `clean`: 'ar', or nothing for English (the default).

    English is left out so that an English request keeps the parameters it always had (and
    still matches an identical earlier one); `report_language` reads a missing one as English.
    """
    value = raw.get("language")
    if value is None or (isinstance(value, str) and not value.strip()):
        return clean  # empty means English, not "all": no "leave it empty for all" here
    language = _choice(raw, "language", N_("Language"), LANGUAGES, blank_ok=False)
    if language != DEFAULT_LANGUAGE:
        clean["language"] = language
    return clean


def report_language(params: Mapping[str, Any]) -> str:
    """The language validated `params` ask the file to be written in ('en' or 'ar')."""
    language = params.get("language") or DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def validate_sales_report_params(raw: Mapping[str, Any], max_span_days: int) -> dict[str, str]:
    """Check a sales report request; return the normalised dict or raise ParamError."""
    date_from, date_to = _date_range(raw, max_span_days)
    fmt = _choice(raw, "format", N_("Format"), SALES_REPORT_FORMATS, blank_ok=False)
    clean = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "format": fmt}
    return _language(raw, clean)


def validate_orders_export_params(raw: Mapping[str, Any], max_span_days: int) -> dict[str, str]:
    """Check an orders export request; return the normalised dict or raise ParamError."""
    date_from, date_to = _date_range(raw, max_span_days)
    status = _choice(raw, "status", N_("Status"), ORDER_STATUSES, blank_ok=True)
    region = _choice(raw, "region", N_("Region"), REGIONS, blank_ok=True)
    fmt = _choice(raw, "format", N_("Format"), ORDERS_EXPORT_FORMATS, blank_ok=False)
    clean = {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "status": status,
        "region": region,
        "format": fmt,
    }
    return _language(raw, clean)


def period(params: Mapping[str, Any]) -> tuple[date, date]:
    """The (date_from, date_to) of already validated params."""
    return date.fromisoformat(params["date_from"]), date.fromisoformat(params["date_to"])


def days_in_period(params: Mapping[str, Any]) -> int:
    """How many days the period covers, both ends included (at least 1)."""
    date_from, date_to = period(params)
    return max(1, (date_to - date_from).days + 1)
